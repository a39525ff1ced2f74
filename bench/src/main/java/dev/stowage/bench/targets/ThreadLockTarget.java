package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * System 3, "thread + lock": the seed's fix for a blocked event loop, translated to threads. Every
 * database call first takes the database lock on the caller's thread (the seed's {@code async with
 * lock}), then runs its serialization and SQL on one dedicated I/O thread, one commit per write;
 * the lock is released when the I/O work is done. The manifest cache is a concurrent map guarded
 * by per-key locks, so hot reads take no database lock. A vacuum or an eviction holds the lock for
 * its whole duration: callers block on it.
 */
final class ThreadLockTarget extends DatabaseLockTarget {
  private static final int KEY_LOCKS = 256;

  private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "bench-thread-lock-io");
    thread.setDaemon(true);
    return thread;
  });
  /**
   * Completes the callers' stages, as the seed's event loop resumed its coroutines: never on the I/O
   * thread, where a continuation that takes the database lock would wait for itself.
   */
  private final ExecutorService callbacks = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "bench-thread-lock-callback");
    thread.setDaemon(true);
    return thread;
  });
  /** Held from the caller's acquire until the I/O thread finished the work. */
  private final Semaphore dbLock = new Semaphore(1, true);
  private final ReentrantLock[] keyLocks = new ReentrantLock[KEY_LOCKS];

  ThreadLockTarget(JdbcStore store) {
    super(store, new ConcurrentHashMap<>());
    for (int i = 0; i < KEY_LOCKS; i++) {
      keyLocks[i] = new ReentrantLock();
    }
  }

  @Override
  <T> CompletionStage<T> underDatabaseLock(Immediate.Work<T> work) {
    return onIo(work);
  }

  /** Takes the database lock here, runs {@code work} on the I/O thread, releases it there. */
  private <T> CompletionStage<T> onIo(Immediate.Work<T> work) {
    dbLock.acquireUninterruptibly();
    CompletableFuture<T> result = new CompletableFuture<>();
    io.execute(() -> {
      T value = null;
      Throwable failure = null;
      try {
        value = work.run();
      } catch (Exception | Error e) {
        failure = e;
      } finally {
        dbLock.release();
      }
      T done = value;
      Throwable failed = failure;
      callbacks.execute(() -> {
        if (failed != null) {
          result.completeExceptionally(failed);
        } else {
          result.complete(done);
        }
      });
    });
    return result;
  }

  private ReentrantLock keyLock(EntryId id) {
    return keyLocks[Math.floorMod(id.hashCode(), KEY_LOCKS)];
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    withKey(id, () -> cache.put(id, CachedManifest.dirty(cache.get(id), manifest, Set.of())));
    return onIo(() -> flush(id));
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return Immediate.run(() -> withKey(id, () -> cache.put(id, CachedManifest.dirty(cache.get(id), manifest, removed))));
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return onIo(() -> flush(id));
  }

  /** On the I/O thread: stores the entry if dirty, holding its key lock so no write slips in between. */
  private EntryId flush(EntryId id) throws Exception {
    return withKey(id, () -> {
      CachedManifest entry = cache.get(id);
      if (entry != null && entry.dirty()) {
        store.storeManifest(id, entry.manifest(), entry.pendingRemoved());
        cache.put(id, CachedManifest.clean(entry.manifest()));
      }
      return id;
    });
  }

  /**
   * On the I/O thread, under the database lock (so transactions run one at a time): read the current
   * values (cache, else database), compare, seal and write all in one commit, then cache them.
   */
  @Override
  public CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return onIo(() -> {
      ExpectedValues.check(changes, id -> withKey(id, () -> cachedOrLoaded(id)));
      List<byte[]> sealed = new ArrayList<>();
      for (ManifestChange change : changes) {
        sealed.add(store.sealer().sealManifest(change.id(), change.updated()));
      }
      store.putManifests(changes, sealed, id -> withKey(id, () -> CachedManifest.pendingOf(cache.get(id))));
      changes.forEach(change -> withKey(change.id(), () -> cache.put(change.id(), CachedManifest.clean(change.updated()))));
      return changes.size();
    });
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    CachedManifest cached = withKey(id, () -> cache.get(id));
    if (cached != null) {
      return CompletableFuture.completedFuture(cached.manifest());
    }
    return onIo(() -> withKey(id, () -> cachedOrLoaded(id))); // what raced in meanwhile is cached: it wins
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return onIo(this::flushAllAndClear);
  }

  private boolean flushAllAndClear() throws Exception {
    for (EntryId id : Set.copyOf(cache.keySet())) {
      flush(id);
    }
    cache.clear();
    return true;
  }

  @Override
  public void close() throws Exception {
    try {
      onIo(() -> {
        flushAllAndClear();
        store.close();
        return true;
      }).toCompletableFuture().join();
    } finally {
      io.shutdown();
      io.awaitTermination(1, TimeUnit.MINUTES);
      callbacks.shutdown();
    }
  }

  private <T> T withKey(EntryId id, Immediate.Work<T> work) {
    ReentrantLock lock = keyLock(id);
    lock.lock();
    try {
      return work.run();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      lock.unlock();
    }
  }
}
