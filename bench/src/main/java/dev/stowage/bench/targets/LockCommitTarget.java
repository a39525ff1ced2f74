package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * System 2, "lock + commit per call": the pattern of the seed. A map cache and the DAO behind one
 * global lock, on the caller's thread. Every call takes the lock and does all its work under it:
 * cache lookup, CBOR encoding, AES-GCM, SQL, one commit per write. A vacuum or an eviction holds
 * the lock for its whole duration, and every caller waits for it.
 */
final class LockCommitTarget extends DatabaseLockTarget {
  private final ReentrantLock lock = new ReentrantLock();

  /** The cache is guarded by {@link #lock}. */
  LockCommitTarget(JdbcStore store) {
    super(store, new HashMap<>());
  }

  @Override
  <T> CompletionStage<T> underDatabaseLock(Immediate.Work<T> work) {
    return locked(work);
  }

  private <T> CompletionStage<T> locked(Immediate.Work<T> work) {
    return Immediate.underLock(lock, work);
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    return locked(() -> {
      store.storeManifest(id, manifest, CachedManifest.pendingOf(cache.get(id)));
      return cache.put(id, CachedManifest.clean(manifest));
    });
  }

  /** Under the lock: read (cache, else database), compare, seal and write all in one commit, cache. */
  @Override
  public CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return locked(() -> {
      ExpectedValues.check(changes, this::cachedOrLoaded);
      List<byte[]> sealed = new ArrayList<>();
      for (ManifestChange change : changes) {
        sealed.add(store.sealer().sealManifest(change.id(), change.updated()));
      }
      store.putManifests(changes, sealed, id -> CachedManifest.pendingOf(cache.get(id)));
      changes.forEach(change -> cache.put(change.id(), CachedManifest.clean(change.updated())));
      return changes.size();
    });
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return locked(() -> cache.put(id, CachedManifest.dirty(cache.get(id), manifest, removed)));
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return locked(() -> {
      flush(id, cache.get(id));
      return id;
    });
  }

  /** Under the lock. */
  private void flush(EntryId id, CachedManifest entry) throws Exception {
    if (entry != null && entry.dirty()) {
      store.storeManifest(id, entry.manifest(), entry.pendingRemoved());
      cache.put(id, CachedManifest.clean(entry.manifest()));
    }
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return locked(() -> cachedOrLoaded(id));
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return locked(() -> {
      flushAll();
      cache.clear();
      return true;
    });
  }

  private void flushAll() throws Exception {
    for (Map.Entry<EntryId, CachedManifest> entry : Map.copyOf(cache).entrySet()) {
      flush(entry.getKey(), entry.getValue());
    }
  }

  @Override
  public void close() throws Exception {
    locked(() -> {
      flushAll();
      store.close();
      return true;
    }).toCompletableFuture().join();
  }
}
