package dev.stowage.protocol;

/**
 * A snapshot of one open workspace.
 *
 * @param workspaceId the workspace's id
 * @param liveEntities manifest entity actors alive (bounded by {@code entity.max-active})
 * @param dirtyEntries cached manifests written cache-only and not yet flushed
 * @param data the data database (manifests and chunks)
 * @param cache the cache database (blocks)
 * @param blocks blocks stored now
 * @param blockLimit the most blocks the cache keeps ({@code cache-size / block-size})
 * @param blockHits block reads that found their block
 * @param blockMisses block reads that did not
 * @param blockEvictions blocks deleted by the LRU to stay within {@code blockLimit}
 * @param refusedCalls calls the façade refused with {@link StorageOverloadedException} since the
 *     workspace opened ({@code stowage.overload}); 0 in a snapshot asked of the supervisor directly
 * @param waitedCalls calls that had to wait for a place in flight ({@code when-full = wait}),
 *     admitted in the end or not
 */
public record StorageStats(
    String workspaceId,
    int liveEntities,
    int dirtyEntries,
    DatabaseStats data,
    DatabaseStats cache,
    long blocks,
    long blockLimit,
    long blockHits,
    long blockMisses,
    long blockEvictions,
    long refusedCalls,
    long waitedCalls) {

  /** A snapshot without the façade's admission counters: what the supervisor answers, the façade adds them. */
  public StorageStats(String workspaceId, int liveEntities, int dirtyEntries, DatabaseStats data, DatabaseStats cache,
      long blocks, long blockLimit, long blockHits, long blockMisses, long blockEvictions) {
    this(workspaceId, liveEntities, dirtyEntries, data, cache, blocks, blockLimit, blockHits, blockMisses,
        blockEvictions, 0, 0);
  }

  /** This snapshot with the façade's admission counters. */
  public StorageStats withAdmission(long refusedCalls, long waitedCalls) {
    return new StorageStats(workspaceId, liveEntities, dirtyEntries, data, cache, blocks, blockLimit, blockHits,
        blockMisses, blockEvictions, refusedCalls, waitedCalls);
  }

  /** Block reads that found their block, from 0 to 1 (0 before any read). */
  public double blockHitRatio() {
    long reads = blockHits + blockMisses;
    return reads == 0 ? 0.0 : (double) blockHits / reads;
  }
}
