package dev.stowage.app.node;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageOverloadedException;
import dev.stowage.protocol.StorageUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of a {@code stowage node}: {@link Settings#writers} callers, each calling one operation
 * at a time on a random key of the keys every node shares, pausing between two: reads (35 %),
 * cache-only writes (23 %), durable writes (22 %), tree transactions (8 %: two keys read, then both
 * written by one conditional {@code updateManifests}, as a sync client moves an entry) and ensures
 * (12 %). Each write writes a value no other write of the run writes (its write id, the
 * manifest's {@code baseVersion}), so that a checker can tell from a read which write it saw.
 * Every call goes into the {@link NodeHistory}.
 */
final class NodeLoad implements AutoCloseable {
  /** Why the load runs where it does: this node's number and incarnation make its write ids unique. */
  record Settings(int nodeIndex, int incarnation, int keys, int writers, int pauseMillis) {}

  /** The parent of every key's folder manifest (a manifest needs one; nothing reads it). */
  private static final EntryId ROOT = EntryId.of(UUID.nameUUIDFromBytes("stowage-node-load-root".getBytes(StandardCharsets.US_ASCII)));
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final WorkspaceStorage storage;
  private final NodeHistory history;
  private final Settings settings;
  private final ScheduledExecutorService pauses = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "stowage-node-load");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicLong writeIds = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicInteger running = new AtomicInteger();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private volatile boolean stopping;

  private NodeLoad(WorkspaceStorage storage, NodeHistory history, Settings settings) {
    this.storage = storage;
    this.history = history;
    this.settings = settings;
  }

  /** Starts the load's callers. */
  static NodeLoad start(WorkspaceStorage storage, NodeHistory history, Settings settings) {
    NodeLoad load = new NodeLoad(storage, history, settings);
    load.running.set(settings.writers());
    for (int i = 0; i < settings.writers(); i++) {
      load.pauses.execute(load::next);
    }
    return load;
  }

  /** The key numbered {@code index}: the same id on every node. */
  static EntryId key(int index) {
    return EntryId.of(UUID.nameUUIDFromBytes(("stowage-node-load-" + index).getBytes(StandardCharsets.US_ASCII)));
  }

  /** The write id a read of {@code manifest} saw. */
  static long writeId(LocalManifest manifest) {
    return manifest.baseVersion();
  }

  /** Calls answered so far. */
  long calls() {
    return calls.get();
  }

  private void next() {
    if (stopping) {
      if (running.decrementAndGet() == 0) {
        stopped.complete(null);
      }
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int key = random.nextInt(settings.keys());
    int dice = random.nextInt(100);
    if (dice >= 80 && dice < 88 && settings.keys() > 1) {
      int other = (key + 1 + random.nextInt(settings.keys() - 1)) % settings.keys();
      updateTwo(key, other).whenComplete((ignored, error) -> answered());
      return;
    }
    if (dice < 35) {
      read(key).whenComplete((ignored, error) -> scheduleNext()); // read() counts and records it
      return;
    }
    String kind;
    long value = 0;
    CompletionStage<?> call;
    long invoke;
    if (dice < 80) {
      kind = dice < 58 ? "SET_CACHE_ONLY" : "SET_DURABLE";
      value = newValue();
      invoke = NodeHistory.now();
      history.invoked(kind, key, value, invoke);
      call = storage.setManifest(key(key), manifest(key, value), kind.equals("SET_CACHE_ONLY"), Set.of());
    } else {
      kind = "ENSURE";
      invoke = NodeHistory.now();
      call = storage.ensureManifestPersistent(key(key));
    }
    long written = value; // an ensure's is 0
    call.whenComplete((ignored, error) -> {
      history.completed(kind, key, written, invoke, NodeHistory.now(), outcome(error));
      answered();
    });
  }

  private void answered() {
    calls.incrementAndGet();
    scheduleNext();
  }

  private void scheduleNext() {
    pauses.schedule(this::next, settings.pauseMillis(), TimeUnit.MILLISECONDS);
  }

  /** A write id no other write of the run has: this node's number and incarnation, then a count. */
  private long newValue() {
    return (settings.nodeIndex() + 1) * 1_000_000_000_000L + settings.incarnation() * 1_000_000_000L
        + writeIds.incrementAndGet();
  }

  private static LocalManifest manifest(int key, long value) {
    return new FolderManifest(key(key), ROOT, value, false, Instant.EPOCH, Map.of());
  }

  /**
   * Reads {@code key} and {@code other} (each read recorded), then writes both in one tree
   * transaction that expects what was read. A conflict (another write came between) is an answer
   * that nothing was written: it is recorded as refused.
   */
  private CompletableFuture<Void> updateTwo(int key, int other) {
    return read(key).thenCompose(first -> read(other).thenCompose(second -> {
      if (first == null || second == null) {
        return CompletableFuture.completedFuture(null); // a read failed: no transaction on a value not known
      }
      long value = newValue();
      long value2 = newValue();
      List<ManifestChange> changes = List.of(
          new ManifestChange(key(key), first, manifest(key, value), Set.of()),
          new ManifestChange(key(other), second, manifest(other, value2), Set.of()));
      long invoke = NodeHistory.now();
      history.invokedPair(key, value, other, value2, invoke);
      return storage.updateManifests(changes).handle((done, error) -> {
        history.completedPair(key, value, other, value2, invoke, NodeHistory.now(),
            error != null && unwrap(error) instanceof ConflictException ? "refused:ConflictException" : outcome(error));
        return null;
      });
    }));
  }

  /** Reads {@code key}, recorded as a call; completes with what it read (empty: absent), or null if it failed. */
  private CompletableFuture<Optional<LocalManifest>> read(int key) {
    long invoke = NodeHistory.now();
    return storage.getManifest(key(key)).handle((manifest, error) -> {
      history.completed("GET", key, manifest == null ? 0 : writeId(manifest), invoke, NodeHistory.now(), outcome(error));
      calls.incrementAndGet();
      Throwable cause = error == null ? null : unwrap(error);
      return cause == null ? Optional.of(manifest) : cause instanceof EntryMissingException ? Optional.<LocalManifest>empty() : null;
    }).toCompletableFuture();
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** A call's outcome as the history records it. */
  private static String outcome(Throwable error) {
    Throwable cause = error == null ? null : unwrap(error);
    return cause == null || cause instanceof EntryMissingException ? "ok"
        : (notSent(cause) ? "refused:" : "err:") + cause.getClass().getSimpleName();
  }

  /** Whether {@code error} says the call was refused before anything was sent: it cannot have taken effect. */
  private static boolean notSent(Throwable error) {
    return error instanceof StorageOverloadedException
        || error instanceof StorageUnavailableException unavailable && !unavailable.outcomeUnknown();
  }

  /** Stops calling, waits for the calls in flight, and closes the history. */
  @Override
  public void close() throws IOException {
    stopping = true;
    try {
      stopped.get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      // A call never answered (the node is going down): its outcome stays unknown in the history.
    } finally {
      pauses.shutdownNow();
      history.close();
    }
  }
}
