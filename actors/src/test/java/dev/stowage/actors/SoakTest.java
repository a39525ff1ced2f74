package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageStats;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * INV-17 and INV-18 under load: thousands of keys, 64 concurrent clients, random reads, cache-only
 * and durable writes, ensures and clears, {@code clearMemoryCache} from a separate thread, tiny
 * {@code passivate-after} / {@code max-active} / {@code max-dirty} so entities passivate and flush
 * all the time, and a close/reopen between rounds. Afterwards every key is read once more from a
 * fresh open, and every key's whole history (across the reopen cycles) must be linearizable: no
 * acknowledged write lost, no stale value resurrected.
 *
 * <p>While it runs, a sampler records live entities, dirty entries and heap; the live entities must
 * never exceed {@code max-active}, and the heap retained after the last round must not have grown
 * past the first round's by more than a fixed allowance. Every call has a watchdog: no answer
 * within {@link #WATCHDOG} fails the test with a thread dump (a deadlock, or a lost reply).
 *
 * <p>The default run is short; {@code -Dstowage.test.iterations=N} (the {@code reliability}
 * profile sets 25) makes it N times longer, with more keys and more rounds.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class SoakTest {
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);
  private static final int CLIENTS = 64;
  private static final int KEYS = 2_000 * Math.min(ITERATIONS, 5);
  private static final int ROUNDS = 3 + ITERATIONS / 2;
  private static final int OPS_PER_CLIENT_PER_ROUND = 120 * Math.max(1, ITERATIONS / 5);
  private static final int MAX_ACTIVE = 300;
  private static final long WATCHDOG = 30;
  private static final long HEAP_GROWTH_ALLOWANCE = 96L << 20;

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final EntryId parent = EntryId.random();
  private final LocalKey key = LocalKey.generate();
  private final AtomicLong writeIds = new AtomicLong();
  private final List<EntryId> keys = new ArrayList<>();
  private final Map<EntryId, List<Op>> histories = new HashMap<>();
  /** clearMemoryCache and close: operations on every key at once, merged into each history at the end. */
  private final List<Op> everyKey = Collections.synchronizedList(new ArrayList<>());

  @Test
  @DisplayName("INV-17, INV-18: 64 clients on thousands of keys with passivation, cache clears and close/reopen lose nothing")
  void soak(@TempDir Path dir) throws Exception {
    for (int i = 0; i < KEYS; i++) {
      EntryId id = EntryId.random();
      keys.add(id);
      histories.put(id, Collections.synchronizedList(new ArrayList<>()));
    }
    StorageSettings settings = TestSettings.in(dir, "stowage { entity.passivate-after = 50ms, "
        + "entity.max-active = " + MAX_ACTIVE + ", cache.max-dirty = 100, group-commit.max-delay = 1ms }");
    Sampler sampler = new Sampler();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
    long retainedAfterFirstRound = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        WorkspaceStorage storage = watch(Stowage.open(testKit.system(), "soak", key, settings));
        sampler.watch(storage);
        runRound(storage, round, clients);
        sampler.watch(null);
        long invoke = System.nanoTime();
        watch(storage.close()); // INV-10: flushes everything dirty; the next round starts uncached
        everyKey.add(new Op(Kind.CLEAR_CACHE_FLUSH, invoke, System.nanoTime(), 0, false));
        long retained = retainedHeap();
        if (round == 0) {
          retainedAfterFirstRound = retained;
        }
        sampler.retained = retained;
      }
      readEveryKeyOnce(settings);
    } finally {
      clients.shutdownNow();
      sampler.stop();
    }

    List<EntryId> broken = keys.stream().filter(id -> !LinearizabilityChecker.linearizable(historyOf(id))).toList();
    assertThat(broken).as("keys whose history is not linearizable (first: %s)",
        broken.isEmpty() ? "" : describe(historyOf(broken.get(0)))).isEmpty();
    long operations = histories.values().stream().mapToLong(List::size).sum();
    System.out.printf("soak: rounds=%d keys=%d clients=%d operations=%d peakLiveEntities=%d peakDirty=%d "
            + "peakHeapMiB=%d retainedHeapMiB=%d..%d%n", ROUNDS, KEYS, CLIENTS, operations, sampler.peakLive.get(),
        sampler.peakDirty.get(), sampler.peakHeap.get() >> 20, retainedAfterFirstRound >> 20, sampler.retained >> 20);
    assertThat(operations).isGreaterThanOrEqualTo((long) ROUNDS * CLIENTS * OPS_PER_CLIENT_PER_ROUND);
    assertThat(sampler.samples.get()).as("stats samples taken").isPositive();
    assertThat(sampler.peakLive.get()).as("live entities never exceed entity.max-active").isLessThanOrEqualTo(MAX_ACTIVE);
    assertThat(sampler.retained).as("heap retained after the last round, against the first")
        .isLessThan(retainedAfterFirstRound + HEAP_GROWTH_ALLOWANCE);
  }

  private void runRound(WorkspaceStorage storage, int round, ExecutorService clients) throws Exception {
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Random random = new Random(round * 1_000L + c);
      running.add(clients.submit(() -> {
        for (int n = 0; n < OPS_PER_CLIENT_PER_ROUND; n++) {
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
        long invoke = System.nanoTime();
        watch(storage.clearMemoryCache(flush));
        everyKey.add(new Op(flush ? Kind.CLEAR_CACHE_FLUSH : Kind.CLEAR_CACHE_DISCARD, invoke, System.nanoTime(), 0,
            false));
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

  /** After the last close: a fresh open reads every key once, so the final state is in the histories. */
  private void readEveryKeyOnce(StorageSettings settings) {
    WorkspaceStorage storage = watch(Stowage.open(testKit.system(), "soak", key, settings));
    for (EntryId id : keys) {
      long invoke = System.nanoTime();
      Outcome<LocalManifest> read = outcome(storage.getManifest(id), EntryMissingException.class);
      long value = read.value == null ? LinearizabilityChecker.ABSENT : read.value.baseVersion();
      histories.get(id).add(new Op(Kind.GET, invoke, read.response, value, false));
    }
    watch(storage.close());
  }

  private List<Op> historyOf(EntryId id) {
    List<Op> history = new ArrayList<>(histories.get(id));
    history.addAll(everyKey);
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

  private static String describe(List<Op> history) {
    long start = history.stream().mapToLong(Op::invoke).min().orElse(0);
    return history.stream()
        .filter(op -> op.kind() != Kind.CLEAR_CACHE_FLUSH && op.kind() != Kind.CLEAR_CACHE_DISCARD)
        .sorted(java.util.Comparator.comparingLong(Op::invoke))
        .map(op -> String.format("%n  [%8d .. %8d µs] %-20s value=%d%s", (op.invoke() - start) / 1000,
            (op.response() - start) / 1000, op.kind(), op.value(), op.missing() ? " missing" : ""))
        .collect(Collectors.joining());
  }

  /** Samples stats and heap every 20 ms on its own thread, while a workspace is open. */
  private static final class Sampler {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicReference<WorkspaceStorage> target = new AtomicReference<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    final AtomicLong samples = new AtomicLong();
    final AtomicLong peakLive = new AtomicLong();
    final AtomicLong peakDirty = new AtomicLong();
    final AtomicLong peakHeap = new AtomicLong();
    volatile long retained;

    Sampler() {
      timer.scheduleAtFixedRate(this::sample, 0, 20, TimeUnit.MILLISECONDS);
    }

    void watch(WorkspaceStorage storage) {
      target.set(storage);
    }

    private void sample() {
      peakHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
      WorkspaceStorage storage = target.get();
      if (storage == null || !busy.compareAndSet(false, true)) {
        return;
      }
      storage.stats().whenComplete((stats, error) -> {
        if (stats != null) {
          record(stats);
        }
        busy.set(false);
      });
    }

    private void record(StorageStats stats) {
      samples.incrementAndGet();
      peakLive.accumulateAndGet(stats.liveEntities(), Math::max);
      peakDirty.accumulateAndGet(stats.dirtyEntries(), Math::max);
    }

    void stop() {
      timer.shutdownNow();
    }
  }
}
