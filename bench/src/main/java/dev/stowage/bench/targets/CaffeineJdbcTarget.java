package dev.stowage.bench.targets;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * System 4, "Caffeine + JDBC": a bounded Caffeine cache in front of a write-through DAO, on the
 * caller's thread. Serialization and encryption run on the caller's thread outside any lock; only
 * the SQL (one connection per file) runs under the DAO lock, one commit per write. Cache-only
 * writes are kept in a separate dirty map until they are stored, so that Caffeine's eviction
 * cannot drop them. A vacuum or an eviction holds the DAO lock: callers that need SQL wait.
 */
final class CaffeineJdbcTarget implements BenchTarget {
  private final JdbcStore store;
  private final Sealer sealer;
  private final ReentrantLock daoLock = new ReentrantLock();
  /** Absent entries are cached as empty, like a negative cache. */
  private final Cache<EntryId, Optional<LocalManifest>> cache;
  private final Map<EntryId, CachedManifest> dirty = new ConcurrentHashMap<>();

  CaffeineJdbcTarget(JdbcStore store, int maximumSize) {
    this.store = store;
    this.sealer = store.sealer();
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
  }

  private <T> T dao(Immediate.Work<T> work) throws Exception {
    daoLock.lock();
    try {
      return work.run();
    } finally {
      daoLock.unlock();
    }
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    return Immediate.run(() -> {
      store(id, manifest, CachedManifest.pendingOf(dirty.remove(id)));
      cache.put(id, Optional.of(manifest));
      return id;
    });
  }

  private void store(EntryId id, LocalManifest manifest, Set<ChunkId> removed) throws Exception {
    byte[] sealed = sealer.sealManifest(id, manifest);
    dao(() -> {
      store.putManifest(id, manifest.baseVersion(), manifest.needSync(), sealed, removed);
      return id;
    });
  }

  /**
   * Seals on the caller's thread, outside any lock, as a write does; then, under the DAO lock, reads
   * the current values (dirty map, cache, else database), compares them and writes all in one commit.
   */
  @Override
  public CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return Immediate.run(() -> {
      List<byte[]> sealed = new ArrayList<>();
      for (ManifestChange change : changes) {
        sealed.add(sealer.sealManifest(change.id(), change.updated()));
      }
      return dao(() -> {
        ExpectedValues.check(changes, id -> {
          CachedManifest pending = dirty.get(id);
          return pending != null ? pending.manifest() : cache.get(id, this::load).orElse(null);
        });
        store.putManifests(changes, sealed, id -> CachedManifest.pendingOf(dirty.get(id)));
        for (ManifestChange change : changes) {
          dirty.remove(change.id());
          cache.put(change.id(), Optional.of(change.updated()));
        }
        return changes.size();
      });
    });
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return Immediate.run(() -> {
      dirty.compute(id, (key, previous) -> CachedManifest.dirty(previous, manifest, removed));
      cache.put(id, Optional.of(manifest));
      return id;
    });
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return Immediate.run(() -> {
      CachedManifest entry = dirty.remove(id);
      if (entry != null) {
        store(id, entry.manifest(), entry.pendingRemoved());
      }
      return id;
    });
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return Immediate.run(() -> {
      CachedManifest pending = dirty.get(id);
      if (pending != null) {
        return pending.manifest();
      }
      return cache.get(id, this::load).orElse(null);
    });
  }

  private Optional<LocalManifest> load(EntryId id) {
    try {
      byte[] sealed = dao(() -> store.getManifest(id));
      return sealed == null ? Optional.empty() : Optional.of(sealer.openManifest(id, sealed));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot load manifest " + id, e);
    }
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] data) {
    return Immediate.run(() -> {
      byte[] sealed = sealer.sealChunk(id, data);
      return dao(() -> {
        store.putChunk(id, data.length, sealed);
        return id;
      });
    });
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] data) {
    return Immediate.run(() -> {
      byte[] sealed = sealer.sealBlock(id, data);
      return dao(() -> {
        store.putBlock(id, data.length, sealed);
        return id;
      });
    });
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return Immediate.run(() -> {
      byte[] sealed = dao(() -> store.getBlock(id));
      return sealed == null ? null : sealer.openBlock(id, sealed);
    });
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return Immediate.run(() -> {
      flushDirty();
      cache.invalidateAll();
      return true;
    });
  }

  private void flushDirty() throws Exception {
    for (EntryId id : Set.copyOf(dirty.keySet())) {
      CachedManifest entry = dirty.remove(id);
      if (entry != null) {
        store(id, entry.manifest(), entry.pendingRemoved());
      }
    }
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return Immediate.run(() -> dao(() -> {
      store.vacuum();
      return true;
    }));
  }

  @Override
  public CompletionStage<?> drain() {
    return Immediate.run(() -> true);
  }

  @Override
  public void close() throws Exception {
    flushDirty();
    dao(() -> {
      store.close();
      return true;
    });
  }
}
