package dev.stowage.bench;

import java.util.List;

/**
 * The memory run: Stowage touching many distinct manifests with a bounded number of live entities.
 *
 * @param manifests distinct manifests written (cache-only, so every one lives as an entity first)
 * @param maxActive {@code entity.max-active}
 * @param seconds wall time of the run
 * @param opsPerSec manifests touched per second
 * @param peakHeapMiB highest heap use sampled (every 50 ms, garbage included)
 * @param retainedHeapMiB heap in use right after a full GC, at each tenth of the run
 * @param maxLiveEntities most live entities Stowage reported at those points
 * @param heapLimitMiB the JVM's maximum heap
 * @param errors failed operations
 */
public record MemoryResult(
    int manifests,
    int maxActive,
    double seconds,
    double opsPerSec,
    double peakHeapMiB,
    List<Double> retainedHeapMiB,
    int maxLiveEntities,
    double heapLimitMiB,
    long errors) {

  public MemoryResult {
    retainedHeapMiB = List.copyOf(retainedHeapMiB);
  }

  /** Retained heap at the last checkpoint over the first: about 1 when memory stays bounded. */
  public double retainedGrowth() {
    if (retainedHeapMiB.size() < 2 || retainedHeapMiB.get(0) == 0) {
      return 1.0;
    }
    return retainedHeapMiB.get(retainedHeapMiB.size() - 1) / retainedHeapMiB.get(0);
  }
}
