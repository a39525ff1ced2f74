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
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * INV-17: many clients run random operations on few keys while Stowage passivates, evicts and
 * flushes on its own (tiny passivate-after, max-active and max-dirty); every key's recorded history
 * must be linearizable against the model of {@link LinearizabilityChecker}. Each mode runs it over
 * its points of the configuration matrix ({@link #matrix()}): local mode in {@link
 * LinearizabilityTest}, cluster mode on three nodes in {@code ClusterLinearizabilityTest}.
 *
 * <p>The clients are spread over the nodes of {@link #nodes()}, each calling the workspace through
 * its node's storage, and every client picks its keys among all of them: in cluster mode a key's
 * history crosses nodes, served by the one entity that owns it wherever it lives. The cache clearer
 * calls a random node each time; {@link CacheClears} records what that call is to each key.
 *
 * <p>Fixed seeds; {@code -Dstowage.test.iterations=N} (the {@code reliability} profile) runs each
 * seed N times with more operations.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LinearizabilityContract {
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);
  private static final int KEYS = 12;
  private static final int CLIENTS = 12;
  private static final int OPS_PER_CLIENT = 120 * ITERATIONS;

  private final EntryId parent = EntryId.random();

  /** The nodes the workspaces open on, one storage each: the clients are spread over them. */
  protected abstract WorkspaceNodes nodes();

  /**
   * The runs: a seed, and the settings under {@code stowage} it runs with (durability, group
   * commit, entity and cache bounds).
   */
  protected abstract Stream<Arguments> matrix();

  /**
   * With {@code -Dstowage.test.matrix=full} (the {@code reliability} profile), every point of the
   * {@link ConfigurationMatrix} as well, each with its own seed; nothing otherwise.
   */
  protected static Stream<Arguments> fullProductIfAsked(int smallMaxActive) {
    return ConfigurationMatrix.fullProductIfAsked(1_000L, "cache.max-dirty = 3, ", smallMaxActive);
  }

  /** A workspace id not used before (the database of cluster mode outlives a test run). */
  private static String workspaceName(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  @ParameterizedTest(name = "seed {0}, {1}")
  @MethodSource("matrix")
  @DisplayName("INV-17: per key, the history of completed operations is linearizable")
  void historiesAreLinearizable(long seed, String settings, @TempDir Path dir) throws Exception {
    String workspace = workspaceName("lin");
    List<WorkspaceStorage> storages = nodes().open(workspace, LocalKey.generate(), dir, "stowage { " + settings + " }");
    List<EntryId> keys = new ArrayList<>();
    Map<EntryId, List<Op>> histories = new java.util.HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      EntryId key = EntryId.random();
      keys.add(key);
      histories.put(key, Collections.synchronizedList(new ArrayList<>()));
    }
    AtomicLong writeIds = new AtomicLong();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Random random = new Random(seed * 1_000 + c);
      WorkspaceStorage storage = storages.get(c % storages.size());
      running.add(clients.submit(() -> {
        for (int n = 0; n < OPS_PER_CLIENT; n++) {
          EntryId key = keys.get(random.nextInt(KEYS));
          runOne(storage, key, random, writeIds, histories.get(key));
          if (random.nextInt(20) == 0) {
            LockSupport.parkNanos(random.nextInt(30) * 1_000_000L); // idle: lets entities passivate
          }
        }
        return null;
      }));
    }
    Random cacheClearer = new Random(seed);
    CacheClears clears = new CacheClears();
    Future<?> clearing = clients.submit(() -> {
      while (running.stream().anyMatch(f -> !f.isDone())) {
        boolean flush = cacheClearer.nextBoolean();
        int node = storages.size() == 1 ? 0 : cacheClearer.nextInt(storages.size());
        long invoke = System.nanoTime();
        Timed<?> clear = timed(storages.get(node).clearMemoryCache(flush)).join();
        failOnUnexpected(clear, null);
        clears.clear(node, flush, invoke, clear.response);
        LockSupport.parkNanos((5 + cacheClearer.nextInt(20)) * 1_000_000L);
      }
      return null;
    });
    for (Future<?> client : running) {
      client.get(5, TimeUnit.MINUTES);
    }
    clearing.get(1, TimeUnit.MINUTES);
    clients.shutdown();
    Map<EntryId, Integer> cachingNodes = nodes().cachingNodes(workspace, keys);
    storages.forEach(storage -> Await.result(storage.close()));

    for (EntryId key : keys) {
      List<Op> history = new ArrayList<>(histories.get(key));
      history.addAll(clears.forKey(cachingNodes.get(key)));
      assertThat(LinearizabilityChecker.linearizable(history))
          .as("history of %s (cached on node %d of %d) is not linearizable:%n%s", key, cachingNodes.get(key),
              storages.size(), describe(history))
          .isTrue();
    }
    long operations = histories.values().stream().mapToLong(List::size).sum();
    assertThat(operations).isEqualTo((long) CLIENTS * OPS_PER_CLIENT);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {5, 77})
  @DisplayName("INV-10, INV-17: reads racing close return the last write, or StorageClosedException once their node's close began, and only the latter once it completed")
  void readsRacingCloseNeverSeeAnythingElse(long seed, @TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = nodes().open(workspaceName("lin-close"), LocalKey.generate(), dir,
        "stowage { entity.max-active = 8 }");
    int nodeCount = storages.size();
    List<EntryId> keys = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      EntryId key = EntryId.random();
      keys.add(key);
      WorkspaceStorage storage = storages.get(i % nodeCount);
      Await.result(storage.setManifest(key, manifest(key, 100 + i), i % 2 == 0, Set.of()));
      Await.result(storage.getManifest(key));
    }
    // Per node: when its close was called, and when it had completed (the test thread saw it).
    AtomicLongArray closeBegan = new AtomicLongArray(nodeCount);
    AtomicLongArray closedAt = new AtomicLongArray(nodeCount);
    for (int node = 0; node < nodeCount; node++) {
      closeBegan.set(node, Long.MAX_VALUE);
      closedAt.set(node, Long.MAX_VALUE);
    }
    int readerCount = Math.max(4, nodeCount);
    // Per reader: when it invoked the last read it was answered a value for.
    AtomicLongArray lastValueRead = new AtomicLongArray(readerCount);
    for (int r = 0; r < readerCount; r++) {
      lastValueRead.set(r, Long.MIN_VALUE);
    }
    ExecutorService readers = Executors.newFixedThreadPool(readerCount);
    List<Future<Integer>> reading = new ArrayList<>();
    for (int r = 0; r < readerCount; r++) {
      Random random = new Random(seed * 31 + r);
      int reader = r;
      int node = r % nodeCount;
      WorkspaceStorage storage = storages.get(node);
      reading.add(readers.submit(() -> {
        int afterClose = 0;
        while (afterClose < 200) {
          int index = random.nextInt(keys.size());
          long invoke = System.nanoTime();
          Timed<LocalManifest> read = timed(storage.getManifest(keys.get(index))).join();
          if (invoke > closedAt.get(node)) {
            afterClose++;
            assertThat(read.error).as("a read invoked after its node's close completed").isInstanceOf(StorageClosedException.class);
          } else if (read.error == null) {
            assertThat(read.value().baseVersion()).isEqualTo(100 + index);
            lastValueRead.set(reader, invoke);
          } else {
            assertThat(read.error).isInstanceOf(StorageClosedException.class);
            assertThat(closeBegan.get(node)).as("a read refused as closed: its node's close had begun")
                .isLessThan(read.response);
          }
        }
        return afterClose;
      }));
    }
    for (int node = 0; node < nodeCount; node++) { // one node after the other: the others go on reading
      long readsSince = node == 0 ? System.nanoTime() : closedAt.get(node - 1);
      int closing = node;
      // Every reader of a node still open has read a value since the last close: through its node,
      // of keys whose entities live on the closed ones too.
      awaitReaders("a value read by every reader of nodes " + closing + ".." + (nodeCount - 1), reading, () ->
          IntStream.range(0, readerCount).filter(r -> r % nodeCount >= closing)
              .allMatch(r -> lastValueRead.get(r) > readsSince));
      closeBegan.set(node, System.nanoTime());
      Await.result(storages.get(node).close());
      closedAt.set(node, System.nanoTime());
    }
    for (Future<Integer> reader : reading) {
      assertThat(reader.get(1, TimeUnit.MINUTES)).isEqualTo(200);
    }
    readers.shutdown();
  }

  /** Waits until {@code condition} holds, or fails naming {@code what} (or with a reader's failure). */
  private static void awaitReaders(String what, List<Future<Integer>> readers, java.util.function.BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      for (Future<Integer> reader : readers) {
        if (reader.isDone()) {
          reader.get(); // a failed reader fails the test with its own assertion
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      LockSupport.parkNanos(1_000_000L);
    }
  }

  private void runOne(WorkspaceStorage storage, EntryId key, Random random, AtomicLong writeIds, List<Op> history) {
    int dice = random.nextInt(100);
    long invoke = System.nanoTime();
    if (dice < 35) {
      Timed<LocalManifest> read = timed(storage.getManifest(key)).join();
      long value = read.error instanceof EntryMissingException ? LinearizabilityChecker.ABSENT : read.value().baseVersion();
      failOnUnexpected(read, EntryMissingException.class);
      history.add(new Op(Kind.GET, invoke, read.response, value, false));
    } else if (dice < 65) {
      long id = writeIds.incrementAndGet();
      Timed<?> write = timed(storage.setManifest(key, manifest(key, id), true, Set.of())).join();
      failOnUnexpected(write, null);
      history.add(new Op(Kind.SET_CACHE_ONLY, invoke, write.response, id, false));
    } else if (dice < 80) {
      long id = writeIds.incrementAndGet();
      Timed<?> write = timed(storage.setManifest(key, manifest(key, id))).join();
      failOnUnexpected(write, null);
      history.add(new Op(Kind.SET_DURABLE, invoke, write.response, id, false));
    } else if (dice < 92) {
      Timed<?> ensure = timed(storage.ensureManifestPersistent(key)).join();
      failOnUnexpected(ensure, null);
      history.add(new Op(Kind.ENSURE, invoke, ensure.response, 0, false));
    } else {
      Timed<?> clear = timed(storage.clearManifest(key)).join();
      failOnUnexpected(clear, EntryMissingException.class);
      history.add(new Op(Kind.CLEAR, invoke, clear.response, 0, clear.error != null));
    }
  }

  private LocalManifest manifest(EntryId key, long writeId) {
    return new FolderManifest(key, parent, writeId, writeId % 2 == 0, Instant.EPOCH, Map.of());
  }

  /** A completed stage and the nanoTime at which it completed, taken on the completing thread. */
  private record Timed<T>(T value, Throwable error, long response) {}

  private static <T> CompletableFuture<Timed<T>> timed(CompletionStage<T> stage) {
    return stage.handle((value, error) -> new Timed<>(value, unwrap(error), System.nanoTime())).toCompletableFuture();
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static void failOnUnexpected(Timed<?> outcome, Class<? extends Throwable> expected) {
    if (outcome.error != null && (expected == null || !expected.isInstance(outcome.error))) {
      throw new AssertionError("unexpected failure", outcome.error);
    }
  }

  private static String describe(List<Op> history) {
    long start = history.stream().mapToLong(Op::invoke).min().orElse(0);
    return history.stream()
        .sorted(java.util.Comparator.comparingLong(Op::invoke))
        .map(op -> String.format("  [%8d .. %8d µs] %-20s value=%d%s", (op.invoke() - start) / 1000,
            (op.response() - start) / 1000, op.kind(), op.value(), op.missing() ? " missing" : ""))
        .collect(Collectors.joining("\n"));
  }
}
