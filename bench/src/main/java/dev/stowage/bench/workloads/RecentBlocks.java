package dev.stowage.bench.workloads;

import dev.stowage.protocol.ChunkId;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The ids of the most recently written blocks, a lock-free ring: W4 reads pick from it so that they
 * read blocks the LRU still holds (the newest half of the cache is never evicted).
 */
final class RecentBlocks {
  private final AtomicReferenceArray<ChunkId> ring;
  private final AtomicLong written = new AtomicLong();

  RecentBlocks(int capacity) {
    ring = new AtomicReferenceArray<>(Math.max(1, capacity));
  }

  void add(ChunkId id) {
    ring.set((int) (written.getAndIncrement() % ring.length()), id);
  }

  /** A random recent id, or a fresh (absent) one before the first write. */
  ChunkId any() {
    long n = Math.min(written.get(), ring.length());
    if (n == 0) {
      return ChunkId.random();
    }
    int start = ThreadLocalRandom.current().nextInt((int) n);
    for (int i = 0; i < n; i++) { // a slot claimed but not yet set is null: take a neighbour
      ChunkId id = ring.get((int) ((start + i) % n));
      if (id != null) {
        return id;
      }
    }
    return ChunkId.random();
  }
}
