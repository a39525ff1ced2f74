package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node cluster on 127.0.0.1 over PostgreSQL loses one node abruptly in the middle of a write
 * load: its entities move to the survivors, every acknowledged durable write (or ensured one) reads
 * back from every surviving node, and the only writes lost are cache-only writes, acknowledged by
 * entities on the lost node and not yet ensured.
 */
class ClusterFailoverTest {
  private static final int NODES = 3;
  private static final int VICTIM = 2;
  private static final int WRITERS_PER_NODE = 2;
  private static final int KEYS_PER_WRITER = 15;
  /** A writer ensures a key after every so many cache-only writes of it. */
  private static final int ENSURE_EVERY = 5;

  @TempDir Path base;

  @BeforeAll
  static void postgres() {
    TestPostgres.requireReachable();
  }

  /** What one key went through; written by its one writer thread, watched by the test while it runs. */
  private static final class KeyHistory {
    final EntryId id = EntryId.random();
    final int writerNode;
    volatile long issued;
    volatile long ackedBeforeCrash;
    volatile long ackedAfterCrash;
    volatile long durable;
    volatile long lastAcked;

    KeyHistory(int writerNode) {
      this.writerNode = writerNode;
    }
  }

  @Test
  @DisplayName("INV-8 across nodes: after a node crashes, every acknowledged durable write reads back from every"
      + " survivor; only un-ensured cache-only writes on the lost node are lost")
  void entitiesFailOverToTheSurvivors() throws Exception {
    String workspace = "failover-" + UUID.randomUUID();
    LocalKey key = LocalKey.generate();
    try (TestCluster cluster = new TestCluster(NODES, base, "stowage.ask-timeout = 3s\n")) {
      List<WorkspaceStorage> storages = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        storages.add(Stowage.open(cluster.node(i), workspace, key).toCompletableFuture().get(60, TimeUnit.SECONDS));
      }
      List<List<KeyHistory>> writerKeys = new ArrayList<>();
      for (int node = 0; node < NODES; node++) {
        for (int w = 0; w < WRITERS_PER_NODE; w++) {
          List<KeyHistory> keys = new ArrayList<>();
          for (int k = 0; k < KEYS_PER_WRITER; k++) {
            KeyHistory history = new KeyHistory(node);
            WorkspaceStorage storage = storages.get(node);
            retry(() -> storage.setManifest(history.id, manifest(history.id, 0)));
            keys.add(history);
          }
          writerKeys.add(keys);
        }
      }
      Set<EntryId> onVictim = hostedEntities(cluster, VICTIM, workspace);
      assertThat(onVictim).as("the victim hosts some of the entities").isNotEmpty();

      AtomicBoolean crashed = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService writers = Executors.newFixedThreadPool(writerKeys.size());
      List<Future<?>> running = new ArrayList<>();
      for (List<KeyHistory> keys : writerKeys) {
        WorkspaceStorage storage = storages.get(keys.get(0).writerNode);
        running.add(writers.submit(() -> write(storage, keys, onVictim, crashed, stop)));
      }
      List<KeyHistory> all = writerKeys.stream().flatMap(List::stream).toList();
      // The load runs on every node: every key is past an ensure and has un-ensured writes after it.
      TestCluster.await("every key acknowledged " + (ENSURE_EVERY + 2) + " writes", Duration.ofSeconds(120),
          () -> all.stream().allMatch(history -> history.lastAcked >= ENSURE_EVERY + 2));
      cluster.crash(VICTIM, 0);
      crashed.set(true);
      // The load goes on over the failover: every key a survivor writes (those whose entity lived on
      // the victim included, so they moved) has a write acknowledged after the crash.
      TestCluster.await("every key written through a survivor acknowledged a write after the crash",
          Duration.ofSeconds(120), () -> all.stream()
              .filter(history -> history.writerNode != VICTIM)
              .allMatch(history -> history.ackedAfterCrash > 0));
      stop.set(true);
      for (Future<?> writer : running) {
        writer.get(60, TimeUnit.SECONDS);
      }
      writers.shutdown();

      int lost = 0;
      for (List<KeyHistory> keys : writerKeys) {
        for (KeyHistory history : keys) {
          long fromFirst = readBack(storages.get(0), history.id);
          long fromSecond = readBack(storages.get(1), history.id);
          assertThat(fromSecond).as("both survivors read the same value of %s", history.id).isEqualTo(fromFirst);
          assertThat(fromFirst).as("%s: never a value that was not written", history.id).isLessThanOrEqualTo(history.issued);
          assertThat(fromFirst).as("%s: every ensured write survives", history.id).isGreaterThanOrEqualTo(history.durable);
          assertThat(fromFirst).as("%s: every write acknowledged after the crash survives", history.id)
              .isGreaterThanOrEqualTo(history.ackedAfterCrash);
          if (!onVictim.contains(history.id)) {
            assertThat(fromFirst).as("%s lived on a survivor: nothing acknowledged is lost", history.id)
                .isGreaterThanOrEqualTo(history.lastAcked);
          } else if (fromFirst < history.lastAcked) {
            lost++; // an un-ensured cache-only write, acknowledged by the lost node
          }
        }
      }
      for (int survivor = 0; survivor < 2; survivor++) {
        for (int i = 0; i < 5; i++) { // some of these entities live on the other survivor: the error crosses nodes
          assertThat(storages.get(survivor).getManifest(EntryId.random()).toCompletableFuture())
              .failsWithin(Duration.ofSeconds(20)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
              .withCauseInstanceOf(dev.stowage.protocol.EntryMissingException.class);
        }
      }
      assertThat(lost).as("the crash lost some un-ensured cache-only writes on the victim (the boundary is exercised)")
          .isPositive();
    }
  }

  /** One writer: cache-only writes of its keys in turn, an ensure after every ENSURE_EVERY of a key. */
  private static Void write(
      WorkspaceStorage storage, List<KeyHistory> keys, Set<EntryId> onVictim, AtomicBoolean crashed, AtomicBoolean stop) {
    while (!stop.get()) {
      for (KeyHistory history : keys) {
        if (stop.get()) {
          break;
        }
        boolean sentAfterCrash = crashed.get();
        long seq = ++history.issued;
        if (succeeds(storage.setManifest(history.id, manifest(history.id, seq), true, Set.of()))) {
          history.lastAcked = seq;
          if (sentAfterCrash) {
            history.ackedAfterCrash = seq;
          } else {
            history.ackedBeforeCrash = seq;
          }
        }
        if (seq % ENSURE_EVERY == 0) {
          // An ensure covers the writes its entity acknowledged. After the crash, the entity of a key
          // that lived on the victim is a new incarnation: it covers only what it acknowledged itself.
          boolean ensuredAfterFailover = crashed.get() && onVictim.contains(history.id);
          long covered = ensuredAfterFailover ? history.ackedAfterCrash : history.lastAcked;
          if (succeeds(storage.ensureManifestPersistent(history.id))) {
            history.durable = Math.max(history.durable, covered);
          }
        }
      }
    }
    return null;
  }

  /** Until it succeeds: while the cluster starts, the shard coordinator may not be ready yet. */
  private static void retry(java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> call) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!succeeds(call.get())) {
      assertThat(System.nanoTime()).as("no success within 60 s").isLessThan(deadline);
    }
  }

  private static boolean succeeds(java.util.concurrent.CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      return false; // the node died, or the entity is moving: the outcome is unknown
    }
  }

  /** The base version of the manifest read back, retrying while the entity's shard moves. */
  private static long readBack(WorkspaceStorage storage, EntryId id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        LocalManifest manifest = storage.getManifest(id).toCompletableFuture().get(20, TimeUnit.SECONDS);
        return manifest.baseVersion();
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("cannot read " + id + " back after the failover", e);
        }
      }
    }
  }

  private static Set<EntryId> hostedEntities(TestCluster cluster, int node, String workspace) throws Exception {
    ShardRegion.CurrentShardRegionState state = AskPattern.<GetShardRegionState, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(cluster.node(node)).shardState().narrow(),
            replyTo -> new GetShardRegionState(ClusterNode.typeKey(workspace), replyTo),
            Duration.ofSeconds(10), cluster.node(node).scheduler())
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
    Set<EntryId> ids = new HashSet<>();
    state.getShards().forEach(shard -> shard.getEntityIds().forEach(id -> ids.add(ManifestIds.entryOfEntityId(id))));
    return ids;
  }

  private static FolderManifest manifest(EntryId id, long seq) {
    return new FolderManifest(id, new EntryId(new UUID(0, 1)), seq, true, Instant.EPOCH, Map.of());
  }
}
