package dev.stowage.bench;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * System 5, the raw SQLite limit: what the disk and SQLite allow at best. One thread ({@link
 * #maxClients()} is 1), prepared statements, 1,000 rows per transaction, no cache, no
 * serialization, no encryption: a manifest is stored as a fixed buffer of the size its sealed CBOR
 * would have, chunks and blocks as their plain bytes. Same tables and pragmas as the others.
 *
 * <p>Writes are acknowledged as soon as the row is inserted (not committed): the batch commits
 * every 1,000 rows, and {@link #drain()} commits the rest, which the driver waits for at the end of
 * every measurement. It is a throughput ceiling, not a latency reference.
 */
final class RawSqliteTarget implements BenchTarget {
  static final int ROWS_PER_TRANSACTION = 1_000;

  private final Connection data;
  private final Connection cache;
  private final BlockLru blocks;
  private final PreparedStatement putVlob;
  private final PreparedStatement getVlob;
  private final PreparedStatement putChunk;
  private final PreparedStatement deleteChunk;
  /** Only for a maintenance thread (W6) racing the single client: the client itself never waits. */
  private final ReentrantLock lock = new ReentrantLock();
  /** A stand-in of the sealed size for each manifest type, computed once: no serialization per write. */
  private final Map<Class<?>, byte[]> manifestPayloads = new ConcurrentHashMap<>();
  private final Random random = new Random(7);
  private int dataRows;
  private int cacheRows;

  private RawSqliteTarget(Connection data, Connection cache, long blockLimit) throws SQLException {
    this.data = data;
    this.cache = cache;
    this.blocks = new BlockLru(cache, blockLimit);
    putVlob = data.prepareStatement(BenchSql.PUT_VLOB);
    getVlob = data.prepareStatement(BenchSql.GET_VLOB);
    putChunk = data.prepareStatement(BenchSql.PUT_CHUNK);
    deleteChunk = data.prepareStatement(BenchSql.DELETE_CHUNK);
  }

  static RawSqliteTarget open(TargetOptions options) throws SQLException {
    Connection data = BenchSql.openData(options.dir(), options.durability());
    try {
      return new RawSqliteTarget(data, BenchSql.openCache(options.dir(), options.durability()), options.blockLimit());
    } catch (SQLException e) {
      data.close();
      throw e;
    }
  }

  @Override
  public int maxClients() {
    return 1;
  }

  private <T> CompletionStage<T> locked(Immediate.Work<T> work) {
    return Immediate.run(() -> {
      lock.lock();
      try {
        return work.run();
      } finally {
        lock.unlock();
      }
    });
  }

  private byte[] payload(LocalManifest manifest) {
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
    putVlob.setBytes(1, id.toBytes());
    putVlob.setLong(2, manifest.baseVersion());
    putVlob.setLong(3, manifest.baseVersion());
    putVlob.setInt(4, manifest.needSync() ? 1 : 0);
    putVlob.setBytes(5, payload(manifest));
    putVlob.executeUpdate();
    for (ChunkId chunk : removed) {
      deleteChunk.setBytes(1, chunk.toBytes());
      deleteChunk.executeUpdate();
    }
    dataRowWritten();
    return id;
  }

  private void dataRowWritten() throws SQLException {
    if (++dataRows >= ROWS_PER_TRANSACTION) {
      data.commit();
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
      getVlob.setBytes(1, id.toBytes());
      try (ResultSet row = getVlob.executeQuery()) {
        return row.next() ? row.getBytes(1) : null;
      }
    });
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] bytes) {
    return locked(() -> {
      putChunk.setBytes(1, id.toBytes());
      putChunk.setInt(2, bytes.length);
      putChunk.setDouble(3, 0);
      putChunk.setBytes(4, bytes);
      putChunk.executeUpdate();
      dataRowWritten();
      return id;
    });
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] bytes) {
    return locked(() -> {
      blocks.put(id, bytes.length, bytes);
      cacheRowWritten();
      return id;
    });
  }

  private void cacheRowWritten() throws SQLException {
    if (++cacheRows >= ROWS_PER_TRANSACTION) {
      cache.commit();
      cacheRows = 0;
    }
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return locked(() -> {
      byte[] block = blocks.get(id);
      if (block != null) {
        cacheRowWritten(); // the recency update is a write
      }
      return block;
    });
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return locked(() -> true); // there is no cache
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return locked(() -> {
      BenchSql.vacuum(data);
      dataRows = 0;
      return true;
    });
  }

  @Override
  public CompletionStage<?> drain() {
    return locked(() -> {
      data.commit();
      cache.commit();
      dataRows = 0;
      cacheRows = 0;
      return true;
    });
  }

  @Override
  public void close() throws Exception {
    drain().toCompletableFuture().join();
    try {
      data.close();
    } finally {
      cache.close();
    }
  }
}
