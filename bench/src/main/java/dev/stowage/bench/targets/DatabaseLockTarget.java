package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What the two lock-based baselines share: a manifest cache over the DAO ({@link JdbcStore}), and
 * every store call run under the one database lock, each in its own way ({@link #underDatabaseLock}:
 * on the caller's thread, or on an I/O thread).
 */
abstract class DatabaseLockTarget implements BenchTarget {
  final JdbcStore store;
  final Map<EntryId, CachedManifest> cache;

  DatabaseLockTarget(JdbcStore store, Map<EntryId, CachedManifest> cache) {
    this.store = store;
    this.cache = cache;
  }

  /** Runs {@code work} under the database lock; the stage completes with its result. */
  abstract <T> CompletionStage<T> underDatabaseLock(Immediate.Work<T> work);

  /** Under the database lock: the cached manifest, else the stored one, then cached (clean). */
  LocalManifest cachedOrLoaded(EntryId id) throws Exception {
    CachedManifest entry = cache.get(id);
    if (entry != null) {
      return entry.manifest();
    }
    LocalManifest loaded = store.loadManifest(id);
    if (loaded != null) {
      cache.put(id, CachedManifest.clean(loaded));
    }
    return loaded;
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] data) {
    return underDatabaseLock(() -> {
      store.storeChunk(id, data);
      return id;
    });
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] data) {
    return underDatabaseLock(() -> {
      store.storeBlock(id, data);
      return id;
    });
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return underDatabaseLock(() -> store.loadBlock(id));
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return underDatabaseLock(() -> {
      store.vacuum();
      return true;
    });
  }

  @Override
  public CompletionStage<?> drain() {
    return underDatabaseLock(() -> true);
  }
}
