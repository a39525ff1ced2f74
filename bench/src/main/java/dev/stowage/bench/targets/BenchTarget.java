package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One system under test, seen through the operations the workloads need. Every system answers
 * with a {@link CompletionStage}, so the same {@link dev.stowage.bench.workloads.Driver} runs all of them: a system that works
 * on the caller's thread simply returns a completed stage after doing the work, which is exactly
 * the caller blocking that workload W6 measures.
 *
 * <p>Reads complete with a non-null value when the entry exists, with {@code null} when it does
 * not. Writes complete when the system considers them acknowledged (see each implementation).
 */
public interface BenchTarget extends AutoCloseable {

  /** Caches and stores a manifest; completes once it is durable (committed). */
  CompletionStage<?> setManifest(EntryId id, LocalManifest manifest);

  /** Caches a manifest without storing it; {@code removed} chunks are deleted when it is flushed. */
  CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed);

  /** Stores the cached manifest of {@code id} if it is dirty. */
  CompletionStage<?> ensurePersistent(EntryId id);

  /** The manifest of {@code id} (from the cache if cached). */
  CompletionStage<?> getManifest(EntryId id);

  /** Stores a chunk of file content; completes once it is durable. */
  CompletionStage<?> setChunk(ChunkId id, byte[] data);

  /** Caches a downloaded block in the LRU-bounded block cache, evicting past its limit. */
  CompletionStage<?> setBlock(ChunkId id, byte[] data);

  /** A cached block, refreshing its recency. */
  CompletionStage<?> getBlock(ChunkId id);

  /** Flushes dirty manifests and empties the in-memory cache (so the next reads are cold). */
  CompletionStage<?> clearMemoryCache();

  /** Rebuilds the data database (VACUUM) and truncates its WAL. */
  CompletionStage<?> runVacuum();

  /** Completes when every write accepted so far is committed (only batching systems wait). */
  CompletionStage<?> drain();

  /**
   * A tree transaction (W7): if every entry holds its {@code expected} value, every updated value is
   * stored, with its removed chunks, in one committed transaction; otherwise nothing changes and the
   * stage fails with {@link dev.stowage.protocol.ConflictException}. A system that runs no W7 refuses.
   */
  default CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(getClass().getSimpleName()
        + " runs no tree transactions (W7)"));
  }

  /** The most client threads this system is meant to be driven with (the raw limit is single-threaded). */
  default int maxClients() {
    return Integer.MAX_VALUE;
  }
}
