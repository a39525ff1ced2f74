package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.storage.LocalKey;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * INV-17 and INV-18 under load: thousands of keys, 64 concurrent clients, random reads, cache-only
 * and durable writes, ensures and clears, {@code clearMemoryCache} from a separate thread, tiny
 * {@code passivate-after} / {@code max-active} / {@code max-dirty} so entities passivate and flush
 * all the time, and a close/reopen between rounds. Afterwards every key is read once more from a
 * fresh open, and every key's whole history (across the reopen cycles) must be linearizable: no
 * acknowledged write lost, no stale value resurrected. Local mode runs it in {@link SoakTest},
 * cluster mode on three nodes in {@code ClusterSoakTest}, each over its points of the
 * configuration matrix ({@link #matrix()}).
 *
 * <p>The workspace opens on every node of {@link #nodes()}; the clients are spread over the nodes
 * and share every key, so in cluster mode most calls reach their key's entity on another node.
 * The cache clearer calls a random node each time, and every node closes between rounds; {@link
 * CacheClears} records what each of those calls is to each key.
 *
 * <p>While it runs, a sampler records every node's live entities, dirty entries and the heap; the
 * live entities of a node must never exceed {@code max-active}, and the heap retained after the
 * last round must not have grown past the first round's by more than a fixed allowance. Every call
 * has a watchdog: no answer within {@link #WATCHDOG} fails the test with a thread dump (a deadlock,
 * or a lost reply).
 *
 * <p>The default run is short; {@code -Dstowage.test.iterations=N} (the {@code reliability}
 * profile sets 25) makes it N times longer, with more keys and more rounds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SoakContract {
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);
  private static final int CLIENTS = 64;
  private static final int KEYS = 2_000 * Math.min(ITERATIONS, 5);
  private static final int ROUNDS = 3 + ITERATIONS / 2;
  /** What each client calls per round in local mode; {@link #callsPerClientPerRound()} in each mode. */
  protected static final int OPS_PER_CLIENT_PER_ROUND = 120 * Math.max(1, ITERATIONS / 5);
  private static final long WATCHDOG = 30;
  private static final long HEAP_GROWTH_ALLOWANCE = 96L << 20;

  /** The soak's own settings under {@code stowage}: entities passivate after 50 ms, at most 300 live. */
  protected static final String SOAK_SETTINGS = "entity.passivate-after = 50ms, entity.max-active = 300, "
      + "cache.max-dirty = 100, group-commit.max-delay = 1ms";

  private final EntryId parent = EntryId.random();
  private final LocalKey key = LocalKey.generate();
  private final AtomicLong writeIds = new AtomicLong();
  /** The run's keys and histories (one instance runs every point: each run starts them afresh). */
  private final List<EntryId> keys = new ArrayList<>();
  private final Map<EntryId, List<Op>> histories = new HashMap<>();
  /** clearMemoryCache (every key) and close (the keys of its node): merged into each history at the end. */
  private CacheClears clears;

  /** The nodes the workspace opens on, one storage each: the clients are spread over them. */
  protected abstract WorkspaceNodes nodes();

  /** The runs: the settings under {@code stowage} each runs with (comma-separated HOCON). */
  protected abstract Stream<String> matrix();

  /** How many calls each client makes per round: {@link #OPS_PER_CLIENT_PER_ROUND} unless a mode says less. */
  protected int callsPerClientPerRound() {
    return OPS_PER_CLIENT_PER_ROUND;
  }

  /** A point of the {@link ConfigurationMatrix} with the soak's max-dirty and group-commit delay. */
  protected static String soakPoint(String point) {
    return "cache.max-dirty = 100, group-commit.max-delay = 1ms, " + point;
  }

  /**
   * With {@code -Dstowage.test.matrix=full} (the {@code reliability} profile), every point of the
   * {@link ConfigurationMatrix} (max-active {100,000, 300}) as a {@link #soakPoint}; nothing
   * otherwise.
   */
  protected static Stream<String> fullProductIfAsked() {
    return ConfigurationMatrix.full() ? ConfigurationMatrix.product(300).stream().map(SoakContract::soakPoint)
        : Stream.empty();
  }

  /** A workspace id not used before (the database of cluster mode outlives a test run). */
  private static String workspaceName() {
    return "soak-" + UUID.randomUUID();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("matrix")
  @DisplayName("INV-17, INV-18: 64 clients on thousands of keys with passivation, cache clears and close/reopen lose nothing")
  void soak(String point, @TempDir Path dir) throws Exception {
    keys.clear();
    histories.clear();
    clears = new CacheClears();
    for (int i = 0; i < KEYS; i++) {
      EntryId id = EntryId.random();
      keys.add(id);
      histories.put(id, Collections.synchronizedList(new ArrayList<>()));
    }
    String workspace = workspaceName();
    String configuration = "stowage { " + point + " }";
    int maxActive = TestSettings.in(dir, configuration).maxActive();
    Sampler sampler = new Sampler(nodes().systems().size());
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
    long retainedAfterFirstRound = 0;
    Map<EntryId, Integer> cachingNodes;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        List<WorkspaceStorage> storages = nodes().open(workspace, key, dir, configuration);
        sampler.watch(storages);
        runRound(storages, round, clients);
        sampler.watch(List.of());
        closeEveryNode(storages); // INV-10: flushes everything dirty; the next round starts uncached
        long retained = retainedHeap();
        if (round == 0) {
          retainedAfterFirstRound = retained;
        }
        sampler.retained = retained;
      }
      cachingNodes = readEveryKeyOnce(workspace, dir, configuration, clients);
    } finally {
      clients.shutdownNow();
      sampler.stop();
    }

    List<EntryId> broken = keys.stream()
        .filter(id -> !LinearizabilityChecker.linearizable(historyOf(id, cachingNodes.get(id)))).toList();
    assertThat(broken).as("keys whose history is not linearizable (first: %s)",
        broken.isEmpty() ? "" : describe(broken.get(0), cachingNodes.get(broken.get(0)))).isEmpty();
    long operations = histories.values().stream().mapToLong(List::size).sum();
    int[] keysPerNode = new int[sampler.peakLive.length()];
    cachingNodes.values().forEach(node -> keysPerNode[node]++);
    System.out.printf("soak (%d node(s), %s): rounds=%d keys=%d clients=%d operations=%d keysPerCachingNode=%s "
            + "peakLiveEntities=%s peakDirty=%s peakHeapMiB=%d retainedHeapMiB=%d..%d%n", nodes().systems().size(), point,
        ROUNDS, KEYS, CLIENTS, operations, Arrays.toString(keysPerNode), sampler.peakLive, sampler.peakDirty,
        sampler.peakHeap.get() >> 20, retainedAfterFirstRound >> 20, sampler.retained >> 20);
    assertThat(operations).isGreaterThanOrEqualTo((long) ROUNDS * CLIENTS * callsPerClientPerRound());
    assertThat(sampler.samples.get()).as("stats samples taken").isPositive();
    assertThat(sampler.failure.get()).as("a stats call failed").isNull();
    for (int node = 0; node < sampler.peakLive.length(); node++) {
      assertThat(sampler.peakLive.get(node)).as("live entities on node %d never exceed entity.max-active", node)
          .isLessThanOrEqualTo(maxActive);
    }
    assertThat(sampler.retained).as("heap retained after the last round, against the first")
        .isLessThan(retainedAfterFirstRound + HEAP_GROWTH_ALLOWANCE);
  }

  /** Closes the workspace on every node, one after the other; each close flushes what its node caches. */
  private void closeEveryNode(List<WorkspaceStorage> storages) {
    for (int node = 0; node < storages.size(); node++) {
      long invoke = System.nanoTime();
      watch(storages.get(node).close());
      clears.close(node, invoke, System.nanoTime());
    }
  }

  private void runRound(List<WorkspaceStorage> storages, int round, ExecutorService clients) throws Exception {
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Random random = new Random(round * 1_000L + c);
      WorkspaceStorage storage = storages.get(c % storages.size());
      running.add(clients.submit(() -> {
        for (int n = 0; n < callsPerClientPerRound(); n++) {
          runOne(storage, keys.get(random.nextInt(keys.size())), random);
          if (random.nextInt(50) == 0) {
            LockSupport.parkNanos(random.nextInt(60) * 1_000_000L); // idle: lets entities passivate
          }
        }
        return null;
      }));
    }
    Random clearer = new Random(round);
    Future<?> clearing = clients.submit(() -> {
      while (running.stream().anyMatch(f -> !f.isDone())) {
        boolean flush = clearer.nextBoolean();
        int node = storages.size() == 1 ? 0 : clearer.nextInt(storages.size());
        long invoke = System.nanoTime();
        watch(storages.get(node).clearMemoryCache(flush));
        clears.clear(node, flush, invoke, System.nanoTime());
        LockSupport.parkNanos((10 + clearer.nextInt(40)) * 1_000_000L);
      }
      return null;
    });
    for (Future<?> client : running) {
      client.get(5, TimeUnit.MINUTES);
    }
    clearing.get(1, TimeUnit.MINUTES);
  }

  private void runOne(WorkspaceStorage storage, EntryId id, Random random) {
    List<Op> history = histories.get(id);
    int dice = random.nextInt(100);
    long invoke = System.nanoTime();
    if (dice < 35) {
      Outcome<LocalManifest> read = outcome(storage.getManifest(id), EntryMissingException.class);
      long value = read.value == null ? LinearizabilityChecker.ABSENT : read.value.baseVersion();
      history.add(new Op(Kind.GET, invoke, read.response, value, false));
    } else if (dice < 65) {
      long written = writeIds.incrementAndGet();
      Outcome<?> write = outcome(storage.setManifest(id, manifest(id, written), true, Set.of()), null);
      history.add(new Op(Kind.SET_CACHE_ONLY, invoke, write.response, written, false));
    } else if (dice < 80) {
      long written = writeIds.incrementAndGet();
      Outcome<?> write = outcome(storage.setManifest(id, manifest(id, written)), null);
      history.add(new Op(Kind.SET_DURABLE, invoke, write.response, written, false));
    } else if (dice < 92) {
      Outcome<?> ensure = outcome(storage.ensureManifestPersistent(id), null);
      history.add(new Op(Kind.ENSURE, invoke, ensure.response, 0, false));
    } else {
      Outcome<?> clear = outcome(storage.clearManifest(id), EntryMissingException.class);
      history.add(new Op(Kind.CLEAR, invoke, clear.response, 0, clear.missing));
    }
  }

  /**
   * After the last close: a fresh open on every node reads every key once, the clients' threads
   * each reading their share through the nodes in turn, so the final state is in the histories.
   * Answers which node caches each key.
   */
  private Map<EntryId, Integer> readEveryKeyOnce(String workspace, Path dir, String configuration,
      ExecutorService clients) throws Exception {
    List<WorkspaceStorage> storages = nodes().open(workspace, key, dir, configuration);
    List<Future<?>> reading = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      reading.add(clients.submit(() -> {
        for (int i = client; i < keys.size(); i += CLIENTS) {
          EntryId id = keys.get(i);
          long invoke = System.nanoTime();
          Outcome<LocalManifest> read = outcome(storages.get(i % storages.size()).getManifest(id),
              EntryMissingException.class);
          long value = read.value == null ? LinearizabilityChecker.ABSENT : read.value.baseVersion();
          histories.get(id).add(new Op(Kind.GET, invoke, read.response, value, false));
        }
        return null;
      }));
    }
    for (Future<?> reader : reading) {
      reader.get(5, TimeUnit.MINUTES);
    }
    Map<EntryId, Integer> cachingNodes = nodes().cachingNodes(workspace, keys);
    storages.forEach(storage -> watch(storage.close()));
    return cachingNodes;
  }

  private List<Op> historyOf(EntryId id, int cachingNode) {
    List<Op> history = new ArrayList<>(histories.get(id));
    history.addAll(clears.forKey(cachingNode));
    return history;
  }

  private LocalManifest manifest(EntryId id, long writeId) {
    return new FolderManifest(id, parent, writeId, writeId % 2 == 0, Instant.EPOCH, Map.of());
  }

  /** A completed call: its value (null when it failed as expected) and when it was answered. */
  private record Outcome<T>(T value, boolean missing, long response) {}

  private static <T> Outcome<T> outcome(CompletionStage<T> stage, Class<? extends Throwable> expected) {
    try {
      T value = stage.toCompletableFuture().get(WATCHDOG, TimeUnit.SECONDS);
      return new Outcome<>(value, false, System.nanoTime());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
      if (expected != null && expected.isInstance(cause)) {
        return new Outcome<>(null, true, System.nanoTime());
      }
      throw new AssertionError("unexpected failure", cause);
    } catch (TimeoutException e) {
      throw new AssertionError("watchdog: no answer within " + WATCHDOG + " s (deadlock or lost reply?)\n"
          + threadDump(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static <T> T watch(CompletionStage<T> stage) {
    return outcome(stage, null).value;
  }

  private static String threadDump() {
    return Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
        .map(ThreadInfo::toString)
        .collect(Collectors.joining());
  }

  private static long retainedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private String describe(EntryId id, int cachingNode) {
    List<Op> history = historyOf(id, cachingNode);
    long start = history.stream().mapToLong(Op::invoke).min().orElse(0);
    return history.stream()
        .filter(op -> op.kind() == Kind.GET || op.kind() == Kind.SET_CACHE_ONLY || op.kind() == Kind.SET_DURABLE
            || op.kind() == Kind.ENSURE || op.kind() == Kind.CLEAR)
        .sorted(java.util.Comparator.comparingLong(Op::invoke))
        .map(op -> String.format("%n  [%8d .. %8d µs] %-20s value=%d%s", (op.invoke() - start) / 1000,
            (op.response() - start) / 1000, op.kind(), op.value(), op.missing() ? " missing" : ""))
        .collect(Collectors.joining("", id + ", cached on node " + cachingNode + ":", ""));
  }

  /** Samples every node's stats and the heap every 20 ms on its own thread, while a workspace is open. */
  private static final class Sampler {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicReference<List<WorkspaceStorage>> targets = new AtomicReference<>(List.of());
    private final AtomicBoolean busy = new AtomicBoolean();
    final AtomicLong samples = new AtomicLong();
    /** Per node. */
    final AtomicLongArray peakLive;
    final AtomicLongArray peakDirty;
    final AtomicLong peakHeap = new AtomicLong();
    /** The first stats call that failed, but for a workspace closing under the sampler. */
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile long retained;

    Sampler(int nodes) {
      peakLive = new AtomicLongArray(nodes);
      peakDirty = new AtomicLongArray(nodes);
      timer.scheduleAtFixedRate(this::sample, 0, 20, TimeUnit.MILLISECONDS);
    }

    void watch(List<WorkspaceStorage> storages) {
      targets.set(List.copyOf(storages));
    }

    private void sample() {
      peakHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
      List<WorkspaceStorage> storages = targets.get();
      if (storages.isEmpty() || !busy.compareAndSet(false, true)) {
        return;
      }
      List<CompletableFuture<Void>> sampled = new ArrayList<>();
      for (int node = 0; node < storages.size(); node++) {
        int index = node;
        sampled.add(storages.get(node).stats().toCompletableFuture().handle((stats, error) -> {
          if (stats != null) {
            samples.incrementAndGet();
            peakLive.accumulateAndGet(index, stats.liveEntities(), Math::max);
            peakDirty.accumulateAndGet(index, stats.dirtyEntries(), Math::max);
          } else {
            Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
            if (!(cause instanceof StorageClosedException)) {
              failure.compareAndSet(null, new AssertionError("stats of node " + index + " failed", cause));
            }
          }
          return null;
        }));
      }
      CompletableFuture.allOf(sampled.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> busy.set(false));
    }

    void stop() {
      timer.shutdownNow();
    }
  }
}
