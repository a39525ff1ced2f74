package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.LocalManifest;
import java.util.HashSet;
import java.util.Set;

/**
 * A manifest as the baselines cache it: the value, whether it is dirty (written cache-only, not yet
 * stored), and the chunk ids to delete in the transaction that stores it.
 */
record CachedManifest(LocalManifest manifest, boolean dirty, Set<ChunkId> pendingRemoved) {

  CachedManifest {
    pendingRemoved = Set.copyOf(pendingRemoved);
  }

  static CachedManifest clean(LocalManifest manifest) {
    return new CachedManifest(manifest, false, Set.of());
  }

  /** {@code previous} (may be null) overwritten cache-only by {@code manifest}, removed ids accumulated. */
  static CachedManifest dirty(CachedManifest previous, LocalManifest manifest, Set<ChunkId> removed) {
    if (previous == null || previous.pendingRemoved.isEmpty()) {
      return new CachedManifest(manifest, true, removed);
    }
    Set<ChunkId> all = new HashSet<>(previous.pendingRemoved);
    all.addAll(removed);
    return new CachedManifest(manifest, true, all);
  }

  /** Pending removed ids of a possibly absent entry. */
  static Set<ChunkId> pendingOf(CachedManifest entry) {
    return entry == null ? Set.of() : entry.pendingRemoved;
  }
}
