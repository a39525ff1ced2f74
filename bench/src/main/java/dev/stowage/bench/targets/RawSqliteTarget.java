package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import java.sql.SQLException;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Systems 5 and 6, the raw SQLite limits. One thread ({@link #maxClients()} is 1), prepared
 * statements, 1,000 rows per transaction, no cache, same tables and pragmas as the others.
 *
 * <ul>
 *   <li>{@link #diskCeiling}: what the disk and SQLite allow at best. No serialization, no
 *       encryption: a manifest is stored as a fixed buffer of the size its sealed CBOR would have,
 *       chunks and blocks as their plain bytes.
 *   <li>{@link #sameWork}: the same per-row work as Stowage on that one thread: CBOR encoding with
 *       {@code ManifestCodec} and AES-GCM sealing with {@code BlobCipher} before each write, opening
 *       and decoding after each read. What a single thread doing everything achieves.
 * </ul>
 *
 * <p>Writes are acknowledged as soon as the row is inserted (not committed): the batch commits
 * every 1,000 rows, and {@link #drain()} commits the rest, which the driver waits for at the end of
 * every measurement. It is a throughput ceiling, not a latency reference.
 */
final class RawSqliteTarget implements BenchTarget {
  static final int ROWS_PER_TRANSACTION = 1_000;

  /** The same rows, statements and block LRU as the baselines' DAO, committed here every 1,000 rows. */
  private final JdbcStore store;
  /** Only for a maintenance thread (W6) racing the single client: the client itself never waits. */
  private final ReentrantLock lock = new ReentrantLock();
  /** A stand-in of the sealed size for each manifest type, computed once: no serialization per write. */
  private final Map<Class<?>, byte[]> manifestPayloads = new ConcurrentHashMap<>();
  private final Random random = new Random(7);
  /** Seals and opens every row as Stowage does; null for the disk ceiling. */
  private final Sealer sealer;
  private int dataRows;
  private int cacheRows;

  private RawSqliteTarget(JdbcStore store, Sealer sealer) {
    this.store = store;
    this.sealer = sealer;
  }

  static RawSqliteTarget diskCeiling(TargetOptions options) throws SQLException {
    return new RawSqliteTarget(JdbcStore.open(options), null);
  }

  static RawSqliteTarget sameWork(TargetOptions options) throws SQLException {
    JdbcStore store = JdbcStore.open(options);
    return new RawSqliteTarget(store, store.sealer());
  }

  @Override
  public int maxClients() {
    return 1;
  }

  private <T> CompletionStage<T> locked(Immediate.Work<T> work) {
    return Immediate.underLock(lock, work);
  }

  private byte[] payload(EntryId id, LocalManifest manifest) {
    if (sealer != null) {
      return sealer.sealManifest(id, manifest);
    }
    return manifestPayloads.computeIfAbsent(manifest.getClass(), type -> {
      byte[] bytes = new byte[ManifestCodec.encode(manifest).length + BlobCipher.OVERHEAD];
      random.nextBytes(bytes);
      return bytes;
    });
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    return locked(() -> putManifest(id, manifest, Set.of()));
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return locked(() -> putManifest(id, manifest, removed));
  }

  private EntryId putManifest(EntryId id, LocalManifest manifest, Set<ChunkId> removed) throws SQLException {
    store.writeManifest(id, manifest.baseVersion(), manifest.needSync(), payload(id, manifest), removed);
    dataRowWritten();
    return id;
  }

  private void dataRowWritten() throws SQLException {
    if (++dataRows >= ROWS_PER_TRANSACTION) {
      store.commitData();
      dataRows = 0;
    }
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return locked(() -> id); // nothing is cached: every write went to the batch already
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return locked(() -> {
      byte[] stored = store.readManifest(id);
      return sealer == null || stored == null ? stored : sealer.openManifest(id, stored);
    });
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] bytes) {
    return locked(() -> {
      store.writeChunk(id, bytes.length, sealer == null ? bytes : sealer.sealChunk(id, bytes));
      dataRowWritten();
      return id;
    });
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] bytes) {
    return locked(() -> {
      store.blocks().put(id, bytes.length, sealer == null ? bytes : sealer.sealBlock(id, bytes));
      cacheRowWritten();
      return id;
    });
  }

  private void cacheRowWritten() throws SQLException {
    if (++cacheRows >= ROWS_PER_TRANSACTION) {
      store.commitCache();
      cacheRows = 0;
    }
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return locked(() -> {
      byte[] block = store.blocks().get(id);
      if (block == null) {
        return null;
      }
      cacheRowWritten(); // the recency update is a write
      return sealer == null ? block : sealer.openBlock(id, block);
    });
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return locked(() -> true); // there is no cache
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return locked(() -> {
      store.vacuum();
      dataRows = 0;
      return true;
    });
  }

  @Override
  public CompletionStage<?> drain() {
    return locked(() -> {
      store.commitData();
      store.commitCache();
      dataRows = 0;
      cacheRows = 0;
      return true;
    });
  }

  @Override
  public void close() throws Exception {
    drain().toCompletableFuture().join();
    store.close();
  }
}
