package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover under load, kill after kill: a 3-node cluster on 127.0.0.1 over PostgreSQL loses one
 * node abruptly (its ActorSystem terminates without leaving: nothing is flushed, no shard is handed
 * off) in the middle of a load of durable writes, cache-only writes and ensures, {@link #KILLS}
 * times in one run on one workspace. 1 kill by default; {@code -Dstowage.test.failover.kills=N}
 * (the {@code reliability} profile: 20) for the loop.
 *
 * <p>Each kill:
 *
 * <ol>
 *   <li>the load runs through the three running nodes until every key has acknowledged some
 *       writes since the last kill;
 *   <li>the victim is the node hosting the most entities, the oldest node (the seed, where the
 *       shard coordinator runs) excepted; its entities are recorded ({@code GetShardRegionState});
 *   <li>it is crashed and downed; the load goes on through the survivors until every key they
 *       write has had a write acknowledged after the crash (its entity, if it was on the victim,
 *       has moved);
 *   <li>the load stops and every key is read back from both survivors, which must read the same
 *       value, one that was written, at least every acknowledged durable write and every write an
 *       acknowledged ensure covered, at least every write acknowledged after the crash, and, for
 *       an entity the victim did <em>not</em> host, at least the last acknowledged write: nothing
 *       lost at all. For the victim's entities a value below the last acknowledged write is
 *       counted as lost (un-ensured cache-only writes, which the crash may take). Every entity
 *       the victim hosted is now hosted by a survivor. One line per kill reports the counts;
 *   <li>unless it was the last kill, a replacement node (a new ActorSystem on a new port) joins
 *       the survivors and opens the workspace, and the dead node's writers go on through it.
 *       Cluster Sharding gives a shard whose node died to the region with the fewest shards, the
 *       replacement's, so the next victim again hosts entities.
 * </ol>
 *
 * <p>The per-key checks hold at every kill: over the whole loop, not one acknowledged durable
 * write (or ensured one) is lost. That the boundary is really exercised, that some acknowledged
 * cache-only write is lost, is required over the whole run and not at every kill: a kill loses
 * one only if one of the victim's entities holds an un-ensured write at that instant, which is
 * all but certain with tens of entities under load, but not guaranteed (each may just have been
 * ensured, or durably written).
 */
class ClusterFailoverTest {
  private static final int NODES = 3;
  /** Kills in one run: {@code -Dstowage.test.failover.kills}, 1 by default, 20 in the reliability profile. */
  private static final int KILLS = Integer.getInteger("stowage.test.failover.kills", 1);
  /** The node never killed: the oldest, the seed, where the shard coordinator runs. */
  private static final int OLDEST = 0;
  private static final int WRITERS_PER_NODE = 2;
  private static final int KEYS_PER_WRITER = 15;
  /** A writer ensures a key after every so many writes of it. */
  private static final int ENSURE_EVERY = 5;
  /** Every so many writes of a key, the write is durable (acknowledged after its commit), not cache-only. */
  private static final int DURABLE_EVERY = 7;
  /** Writes each key acknowledges between two kills, at least, before the next. */
  private static final int WRITES_BEFORE_KILL = ENSURE_EVERY + 2;
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path base;

  @BeforeAll
  static void postgres() {
    TestPostgres.requireReachable();
  }

  /**
   * What one key went through; written by its one writer thread, watched by the test while the
   * load runs. The fields of one kill (a phase) are reset by the test between kills, while no
   * writer runs.
   */
  private static final class KeyHistory {
    final EntryId id = EntryId.random();
    /** The last sequence number written; a write's manifest carries it as its base version. */
    volatile long issued;
    /** The highest write known committed, over the whole run: an acknowledged durable write, or one an acknowledged ensure covered. */
    volatile long durable;
    /** The last write acknowledged; at the start of a phase, the value read back at the end of the last. */
    volatile long lastAcked;
    /** The last write of this phase sent after the crash and acknowledged; 0 if none. */
    volatile long ackedAfterCrash;
    /** Writes acknowledged in this phase. */
    volatile int ackedInPhase;
    /** The writes acknowledged in this phase; read by the test only once the writer stopped. */
    final List<Long> acked = new ArrayList<>();

    void acknowledged(long seq, boolean sentAfterCrash) {
      lastAcked = seq;
      acked.add(seq);
      ackedInPhase++; // only this key's writer writes it
      if (sentAfterCrash) {
        ackedAfterCrash = seq;
      }
    }

    void startPhase(long readBack) {
      lastAcked = readBack;
      ackedAfterCrash = 0;
      ackedInPhase = 0;
      acked.clear();
    }
  }

  /** One writer's keys and the node it writes through; the node changes when its node is replaced. */
  private static final class Writer {
    final List<KeyHistory> keys = new ArrayList<>();
    int node;

    Writer(int node) {
      this.node = node;
    }
  }

  /** The load between two kills: what the writers must know of the kill, and what they counted. */
  private static final class Phase {
    /** The victim's entities, set before {@link #crashing}. */
    volatile Set<EntryId> onVictim = Set.of();
    volatile int victim = -1;
    /** Set before the victim terminates: an ensure sent from then on may reach its entity's next incarnation. */
    volatile boolean crashing;
    /** Set once the victim has terminated: a write sent from then on reaches a living entity. */
    volatile boolean crashed;
    volatile boolean stop;
    final LongAdder acknowledged = new LongAdder();
    final LongAdder durableAcknowledged = new LongAdder();
  }

  @Test
  @DisplayName("INV-8 across nodes: node after node crashes under load; each time every acknowledged durable or"
      + " ensured write reads back from every survivor, and only un-ensured cache-only writes on the lost node are lost")
  void entitiesFailOverToTheSurvivors() throws Exception {
    String workspace = "failover-" + UUID.randomUUID();
    LocalKey key = LocalKey.generate();
    ExecutorService threads = Executors.newFixedThreadPool(NODES * WRITERS_PER_NODE);
    try (TestCluster cluster = new TestCluster(NODES, base, "stowage.ask-timeout = 3s\n")) {
      Map<Integer, WorkspaceStorage> storages = new HashMap<>();
      List<Integer> running = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        storages.put(i, open(cluster, i, workspace, key));
        running.add(i);
      }
      List<Writer> writers = new ArrayList<>();
      for (int node = 0; node < NODES; node++) {
        for (int w = 0; w < WRITERS_PER_NODE; w++) {
          Writer writer = new Writer(node);
          for (int k = 0; k < KEYS_PER_WRITER; k++) {
            KeyHistory history = new KeyHistory();
            WorkspaceStorage storage = storages.get(node);
            retry(() -> storage.setManifest(history.id, manifest(history.id, 0)));
            writer.keys.add(history);
          }
          writers.add(writer);
        }
      }
      List<KeyHistory> all = writers.stream().flatMap(writer -> writer.keys.stream()).toList();

      long acknowledged = 0;
      long durableAcknowledged = 0;
      long lostCacheOnly = 0;
      long lostDurableInAll = 0;
      for (int kill = 1; kill <= KILLS; kill++) {
        Phase phase = new Phase();
        List<Future<?>> load = new ArrayList<>();
        for (Writer writer : writers) {
          WorkspaceStorage storage = storages.get(writer.node);
          int node = writer.node;
          load.add(threads.submit(() -> write(storage, node, writer.keys, phase)));
        }
        // Every key is past an ensure with writes after it; a replacement node's region is known
        // to the coordinator (its writers' writes went through it).
        TestCluster.await("kill " + kill + ": every key acknowledged " + WRITES_BEFORE_KILL + " writes", PHASE_TIMEOUT,
            () -> all.stream().allMatch(history -> history.ackedInPhase >= WRITES_BEFORE_KILL));

        int victim = -1;
        Set<EntryId> onVictim = Set.of();
        for (int node : running) {
          if (node == OLDEST) {
            continue;
          }
          Set<EntryId> hosted = TestCluster.hostedEntities(cluster.node(node), workspace);
          if (victim < 0 || hosted.size() > onVictim.size()) {
            victim = node;
            onVictim = hosted;
          }
        }
        assertThat(onVictim).as("kill %d: the victim, node %d, hosts some of the entities", kill, victim).isNotEmpty();
        String victimAddress = Cluster.get(cluster.node(victim)).selfMember().address().toString();
        // Besides the load, whose losses depend on when the kill falls: a cache-only write the victim
        // holds and nobody ensures, which its crash must lose (the boundary is exercised every kill).
        EntryId sentinel = cacheOnlyWriteHostedBy(cluster, victim, storages.get(victim), workspace);
        phase.onVictim = onVictim;
        phase.victim = victim;
        phase.crashing = true;
        cluster.crash(victim, OLDEST);
        phase.crashed = true;
        running.remove(Integer.valueOf(victim));
        storages.remove(victim);
        // The load goes on over the failover: every key a survivor writes (those whose entity lived
        // on the victim included, so they moved) has a write acknowledged after the crash.
        TestCluster.await("kill " + kill + ": every key written through a survivor acknowledged a write after the crash",
            PHASE_TIMEOUT, () -> writers.stream().filter(writer -> running.contains(writer.node))
                .flatMap(writer -> writer.keys.stream())
                .allMatch(history -> history.ackedAfterCrash > 0));
        phase.stop = true;
        for (Future<?> writer : load) {
          writer.get(60, TimeUnit.SECONDS);
        }

        List<String> violations = new ArrayList<>();
        Map<KeyHistory, Long> readBack = new HashMap<>();
        long lostDurable = 0;
        long lostHere = 0;
        int keysLosing = 0;
        for (KeyHistory history : all) {
          long value = readBack(storages.get(running.get(0)), history.id);
          for (int survivor : running.subList(1, running.size())) {
            long other = readBack(storages.get(survivor), history.id);
            if (other != value) {
              violations.add(history.id + ": node " + survivor + " reads " + other + ", node " + running.get(0)
                  + " " + value);
            }
          }
          readBack.put(history, value);
          if (value > history.issued) {
            violations.add(history.id + ": reads " + value + ", never written (last written " + history.issued + ")");
          }
          if (value < history.durable) {
            lostDurable++;
            violations.add(history.id + ": reads " + value + ", below its last durable or ensured write " + history.durable);
          }
          if (value < history.ackedAfterCrash) {
            violations.add(history.id + ": reads " + value + ", below " + history.ackedAfterCrash
                + ", acknowledged after the crash");
          }
          if (!onVictim.contains(history.id)) {
            if (value < history.lastAcked) {
              violations.add(history.id + " lived on a survivor: reads " + value + ", below its last acknowledged write "
                  + history.lastAcked);
            }
          } else if (value < history.lastAcked) {
            keysLosing++; // un-ensured cache-only writes, acknowledged by the lost node
            lostHere += history.acked.stream().filter(seq -> seq > value).count();
          }
        }
        Set<EntryId> hostedBySurvivors = new HashSet<>();
        for (int survivor : running) {
          hostedBySurvivors.addAll(TestCluster.hostedEntities(cluster.node(survivor), workspace));
        }
        long moved = onVictim.stream().filter(hostedBySurvivors::contains).count();
        System.out.printf("failover kill %d/%d: victim node %d (%s), entities moved %d of %d, writes acknowledged %d"
                + " (durable or ensured %d), lost cache-only writes %d (on %d keys), lost durable writes %d%n",
            kill, KILLS, victim, victimAddress, moved, onVictim.size(), phase.acknowledged.sum(),
            phase.durableAcknowledged.sum(), lostHere, keysLosing, lostDurable);
        assertThat(violations).as("kill %d of node %d: every acknowledged write that had to survive reads back",
            kill, victim).isEmpty();
        assertThat(storages.get(running.get(0)).getManifest(sentinel).toCompletableFuture())
            .as("kill %d: the un-ensured cache-only write node %d held is lost with it", kill, victim)
            .failsWithin(Duration.ofSeconds(20)).withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(EntryMissingException.class);
        // The entities read since the crash, which must have restarted on a survivor: the load's keys
        // (not an earlier kill's sentinel, nor the entries tried while placing one: nothing reads
        // those again)
        Set<EntryId> readSinceTheCrash = new HashSet<>(all.stream().map(history -> history.id).toList());
        assertThat(hostedBySurvivors).as("kill %d: every entity of node %d read since the crash moved to a survivor",
                kill, victim)
            .containsAll(onVictim.stream().filter(readSinceTheCrash::contains).toList());
        acknowledged += phase.acknowledged.sum();
        durableAcknowledged += phase.durableAcknowledged.sum();
        lostCacheOnly += lostHere;
        lostDurableInAll += lostDurable;

        if (kill < KILLS) {
          int replacement = cluster.startNode();
          storages.put(replacement, open(cluster, replacement, workspace, key));
          running.add(replacement);
          for (Writer writer : writers) {
            if (writer.node == victim) {
              writer.node = replacement;
            }
          }
          all.forEach(history -> history.startPhase(readBack.get(history)));
        }
      }
      System.out.printf("failover: %d kills, writes acknowledged %d (durable or ensured %d), lost cache-only writes %d,"
          + " lost durable writes %d%n", KILLS, acknowledged, durableAcknowledged, lostCacheOnly, lostDurableInAll);

      for (int survivor : running) {
        for (int i = 0; i < 5; i++) { // some of these entities live on the other survivor: the error crosses nodes
          assertThat(storages.get(survivor).getManifest(EntryId.random()).toCompletableFuture())
              .failsWithin(Duration.ofSeconds(20)).withThrowableOfType(ExecutionException.class)
              .withCauseInstanceOf(EntryMissingException.class);
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A new entry written cache-only, acknowledged and never ensured, whose entity {@code node}
   * hosts: ids are tried until Cluster Sharding places one there (a third of them, with three nodes).
   */
  private static EntryId cacheOnlyWriteHostedBy(TestCluster cluster, int node, WorkspaceStorage storage,
      String workspace) throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      EntryId id = EntryId.random();
      storage.setManifest(id, manifest(id, 1), true, Set.of()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      if (TestCluster.hostedEntities(cluster.node(node), workspace).contains(id)) {
        return id;
      }
    }
    throw new AssertionError("none of 100 new entries was placed on node " + node);
  }

  private static WorkspaceStorage open(TestCluster cluster, int node, String workspace, LocalKey key) throws Exception {
    return Stowage.open(cluster.node(node), workspace, key).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /**
   * One writer, until the phase stops or its node is killed: writes its keys in turn, cache-only
   * but every {@link #DURABLE_EVERY}th durably, and ensures a key after every {@link
   * #ENSURE_EVERY}th write of it.
   */
  private static Void write(WorkspaceStorage storage, int node, List<KeyHistory> keys, Phase phase) {
    while (!phase.stop) {
      for (KeyHistory history : keys) {
        if (phase.stop || (phase.crashing && phase.victim == node)) {
          return null;
        }
        boolean sentAfterCrash = phase.crashed;
        long seq = ++history.issued;
        boolean durable = seq % DURABLE_EVERY == 0;
        if (succeeds(storage.setManifest(history.id, manifest(history.id, seq), !durable, Set.of()))) {
          history.acknowledged(seq, sentAfterCrash);
          phase.acknowledged.increment();
          if (durable) {
            history.durable = Math.max(history.durable, seq);
            phase.durableAcknowledged.increment();
          }
        }
        if (seq % ENSURE_EVERY == 0) {
          // An ensure covers the writes its entity acknowledged. Once the victim may be gone, the
          // entity of a key that lived on it may be a new incarnation: it covers only what it
          // acknowledged itself.
          boolean maybeNewIncarnation = phase.crashing && phase.onVictim.contains(history.id);
          long covered = maybeNewIncarnation ? history.ackedAfterCrash : history.lastAcked;
          if (succeeds(storage.ensureManifestPersistent(history.id))) {
            history.durable = Math.max(history.durable, covered);
            phase.durableAcknowledged.increment();
          }
        }
      }
    }
    return null;
  }

  /** Until it succeeds: while the cluster starts, the shard coordinator may not be ready yet. */
  private static void retry(Supplier<CompletionStage<?>> call) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!succeeds(call.get())) {
      assertThat(System.nanoTime()).as("no success within 60 s").isLessThan(deadline);
    }
  }

  private static boolean succeeds(CompletionStage<?> stage) {
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

  private static FolderManifest manifest(EntryId id, long seq) {
    return new FolderManifest(id, new EntryId(new UUID(0, 1)), seq, true, Instant.EPOCH, Map.of());
  }
}
