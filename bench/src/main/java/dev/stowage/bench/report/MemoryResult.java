package dev.stowage.bench.report;

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
 * @param retainedAt manifests touched when each of those was taken
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
    List<Long> retainedAt,
    int maxLiveEntities,
    double heapLimitMiB,
    long errors) {

  public MemoryResult {
    retainedHeapMiB = List.copyOf(retainedHeapMiB);
    retainedAt = List.copyOf(retainedAt);
  }

  /**
   * Retained heap at the last checkpoint over the first one taken once {@code maxActive} manifests
   * had been touched (before that the cache is still filling up): about 1 when memory stays bounded.
   */
  public double retainedGrowth() {
    int first = -1;
    for (int i = 0; i < retainedAt.size() && i < retainedHeapMiB.size(); i++) {
      if (retainedAt.get(i) >= maxActive) {
        first = i;
        break;
      }
    }
    int last = Math.min(retainedAt.size(), retainedHeapMiB.size()) - 1;
    if (first < 0 || last <= first || retainedHeapMiB.get(first) == 0) {
      return 1.0;
    }
    return retainedHeapMiB.get(last) / retainedHeapMiB.get(first);
  }
}
