package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.NotDeliveredException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.AllDeadLetters;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls in flight while shards are handed off (issue 29): a third node joins a running two-node
 * cluster and opens the workspace while clients on the first two call it without pause, each with
 * {@value #IN_FLIGHT} calls in flight, and the coordinator moves a third of the shards to it. A
 * shard region drops what it had buffered for a shard whose hand-off begins; every call must
 * nevertheless be answered, long before {@code ask-timeout} (5 minutes here): reads and ensures
 * with their value (the façade sends them again), writes and tree transactions with their value or
 * {@link NotDeliveredException} (nothing of them applied), a transaction with {@link
 * ConflictException} when another client's write came first. The test counts the commands the
 * regions dropped, and requires some: it shows nothing if no call was in a region's buffer when a
 * hand-off began. If none was, another node joins (at most {@value #MOST_JOINS} in all).
 */
class ClusterHandOffTest {
  private static final int SHARDS = 30;
  private static final int KEYS = 200;
  private static final int CLIENTS_PER_NODE = 8;
  /** Calls each client has in flight at once: commands buffered at a region when a hand-off begins are what it drops. */
  private static final int IN_FLIGHT = 16;
  /** How long a call may take to be answered: far below the ask-timeout of 5 minutes. */
  private static final long ANSWER_WITHIN_SECONDS = 60;
  private static final Duration REBALANCED_WITHIN = Duration.ofSeconds(90);
  /** Nodes that join, one after the other, until some hand-off has dropped a command. */
  private static final int MOST_JOINS = 3;

  @TempDir Path base;

  @BeforeAll
  static void postgres() {
    TestPostgres.requireReachable();
  }

  /** What the clients saw, by kind of call and outcome ("get ok", "set not delivered"...). */
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final List<String> wrong = new CopyOnWriteArrayList<>();
  private final EntryId parent = EntryId.random();
  private final AtomicLong versions = new AtomicLong();

  @Test
  @DisplayName("Every call in flight while shards move to a joining node is answered well before ask-timeout:"
      + " with its value, or NotDeliveredException for a write or transaction that was not applied")
  void callsInFlightDuringAHandOffAreAnswered() throws Exception {
    String workspace = "hand-off-" + UUID.randomUUID();
    LocalKey key = LocalKey.generate();
    String config = "stowage.ask-timeout = 5 minutes\n"
        + "stowage.cluster.number-of-shards = " + SHARDS + "\n"
        + "pekko.cluster.sharding.rebalance-interval = 200ms\n";
    ExecutorService clients = Executors.newFixedThreadPool(2 * CLIENTS_PER_NODE);
    try (TestCluster cluster = new TestCluster(2, base, config)) {
      DropCount drops = new DropCount();
      List<WorkspaceStorage> storages = new ArrayList<>();
      for (int node = 0; node < 2; node++) {
        drops.listenOn(cluster.node(node));
        storages.add(open(cluster.node(node), workspace, key));
      }
      List<EntryId> keys = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        EntryId id = EntryId.random();
        keys.add(id);
        answer(storages.get(i % 2).setManifest(id, manifest(id)), "seeding " + id);
      }

      AtomicBoolean stop = new AtomicBoolean();
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < 2 * CLIENTS_PER_NODE; c++) {
        WorkspaceStorage storage = storages.get(c % 2);
        Random random = new Random(c);
        running.add(clients.submit(() -> {
          while (!stop.get()) {
            callRound(storage, keys, random);
          }
          return null;
        }));
      }

      // A hand-off drops only what reaches its shard's region in the moment it begins: usually
      // some of the calls in flight, but a node joins again if none was.
      for (int joins = 0; joins < MOST_JOINS && drops.envelopes.sum() == 0; joins++) {
        int joined = cluster.startNode();
        drops.listenOn(cluster.node(joined));
        storages.add(open(cluster.node(joined), workspace, key));
        int share = SHARDS / cluster.size() - 1;
        TestCluster.await("shards handed off to the node that joined", REBALANCED_WITHIN,
            () -> TestCluster.regionState(cluster.node(joined), workspace).getShards().size() >= share);
      }
      stop.set(true);
      for (Future<?> client : running) {
        client.get(2 * ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
      }
      System.out.printf("hand-off: %d nodes, drops=%d (reads or ensures: %d), outcomes=%s%n", cluster.size(),
          drops.envelopes.sum(), drops.readsOrEnsures.sum(), new TreeMap<>(outcomes));

      assertThat(wrong).as("calls not answered in time, or answered as they must not be").isEmpty();
      assertThat(drops.envelopes.sum()).as("commands the regions dropped at a hand-off (else this shows nothing)")
          .isPositive();
      for (WorkspaceStorage storage : storages) {
        answer(storage.close(), "close");
      }
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * A round of calls on random keys, {@link #IN_FLIGHT} at once then a transaction, their outcomes
   * counted; a wrong outcome or none in time is recorded in {@link #wrong}.
   */
  private void callRound(WorkspaceStorage storage, List<EntryId> keys, Random random) {
    List<Runnable> answers = new ArrayList<>();
    for (int i = 0; i < IN_FLIGHT; i++) {
      EntryId id = keys.get(random.nextInt(keys.size()));
      int dice = random.nextInt(100);
      if (dice < 45) {
        CompletionStage<LocalManifest> call = storage.getManifest(id);
        answers.add(() -> expect("get", call, false));
      } else if (dice < 70) {
        CompletionStage<?> call = storage.setManifest(id, manifest(id), true, Set.of());
        answers.add(() -> expect("cache-only set", call, true));
      } else if (dice < 85) {
        CompletionStage<?> call = storage.setManifest(id, manifest(id));
        answers.add(() -> expect("durable set", call, true));
      } else {
        CompletionStage<?> call = storage.ensureManifestPersistent(id);
        answers.add(() -> expect("ensure", call, false));
      }
    }
    answers.forEach(Runnable::run);
    transaction(storage, keys.get(random.nextInt(keys.size())), keys.get(random.nextInt(keys.size())));
  }

  /** A tree transaction that writes {@code one} and {@code two} if they hold what it read. */
  private void transaction(WorkspaceStorage storage, EntryId one, EntryId two) {
    if (one.equals(two)) {
      return;
    }
    LocalManifest first = expect("get", storage.getManifest(one), false);
    LocalManifest second = expect("get", storage.getManifest(two), false);
    if (first != null && second != null) {
      expect("transaction", storage.updateManifests(List.of(
          new ManifestChange(one, Optional.of(first), manifest(one)),
          new ManifestChange(two, Optional.of(second), manifest(two)))), true);
    }
  }

  /**
   * Waits for {@code call}'s answer and counts it; {@code mayBeNotDelivered}: whether {@link
   * NotDeliveredException} is a right answer (a read or an ensure is sent again instead).
   */
  private <T> T expect(String kind, CompletionStage<T> call, boolean mayBeNotDelivered) {
    try {
      T value = call.toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
      count(kind + " ok");
      return value;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof NotDeliveredException && mayBeNotDelivered) {
        count(kind + " not delivered");
      } else if (cause instanceof ConflictException && kind.equals("transaction")) {
        count(kind + " conflict");
      } else {
        wrong.add(kind + " failed: " + cause);
      }
    } catch (TimeoutException e) {
      wrong.add(kind + " had no answer within " + ANSWER_WITHIN_SECONDS + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      wrong.add(kind + " interrupted");
    }
    return null;
  }

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
  }

  private LocalManifest manifest(EntryId id) {
    return new FolderManifest(id, parent, versions.incrementAndGet(), false, Instant.EPOCH, Map.of());
  }

  private static WorkspaceStorage open(ActorSystem<?> node, String workspace, LocalKey key) throws Exception {
    return answer(Stowage.open(node, workspace, key), "opening " + workspace);
  }

  private static <T> T answer(CompletionStage<T> call, String what) throws Exception {
    try {
      return call.toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + ": no answer within " + ANSWER_WITHIN_SECONDS + " s", e);
    }
  }

  /** The envelopes the nodes' regions dropped (Pekko's {@code Dropped}, as its dead letters actor publishes it). */
  private static final class DropCount {
    final LongAdder envelopes = new LongAdder();
    final LongAdder readsOrEnsures = new LongAdder();

    void listenOn(ActorSystem<?> node) {
      node.systemActorOf(listener(), "test-drop-count", Props.empty());
    }

    private Behavior<AllDeadLetters> listener() {
      return Behaviors.setup(context -> {
        context.getSystem().eventStream().tell(new EventStream.Subscribe<>(AllDeadLetters.class, context.getSelf()));
        return Behaviors.receive(AllDeadLetters.class)
            .onMessage(AllDeadLetters.class, letter -> {
              Object message = letter instanceof Dropped ? letter.message()
                  : letter.message() instanceof Dropped dropped ? dropped.message() : null;
              if (message instanceof ShardingEnvelope<?> envelope) {
                envelopes.increment();
                if (envelope.message() instanceof StorageCommand.GetManifest
                    || envelope.message() instanceof StorageCommand.EnsureManifestPersistent) {
                  readsOrEnsures.increment();
                }
              }
              return Behaviors.same();
            })
            .build();
      });
    }
  }
}
