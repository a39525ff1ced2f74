package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The block LRU of the baselines, with the statements and policy of Stowage's {@code BlockCache}:
 * an insert that makes the count exceed the limit deletes the {@code extra + limit/10} least
 * recently accessed blocks; a read refreshes recency. Runs inside the caller's transaction: the
 * caller decides when to commit. Not thread-safe.
 */
final class BlockLru {
  private final long limit;
  private final Recency recency = new Recency();
  private final PreparedStatement put;
  private final PreparedStatement get;
  private final PreparedStatement touch;
  private final PreparedStatement count;
  private final PreparedStatement evict;

  BlockLru(Connection cache, long limit) throws SQLException {
    this.limit = limit;
    put = cache.prepareStatement(BenchSql.PUT_CHUNK);
    get = cache.prepareStatement(BenchSql.GET_CHUNK);
    touch = cache.prepareStatement(BenchSql.TOUCH_CHUNK);
    count = cache.prepareStatement(BenchSql.COUNT_CHUNKS);
    evict = cache.prepareStatement(BenchSql.EVICT_CHUNKS);
  }

  /** Inserts a block, then counts and evicts past the limit. */
  void put(ChunkId id, int size, byte[] stored) throws SQLException {
    put.setBytes(1, id.toBytes());
    put.setInt(2, size);
    put.setDouble(3, recency.next());
    put.setBytes(4, stored);
    put.executeUpdate();
    long blocks;
    try (ResultSet row = count.executeQuery()) {
      row.next();
      blocks = row.getLong(1);
    }
    if (blocks > limit) {
      evict.setLong(1, blocks - limit + limit / 10);
      evict.executeUpdate();
    }
  }

  /** The stored bytes of a block, or null; a hit refreshes its recency. */
  byte[] get(ChunkId id) throws SQLException {
    get.setBytes(1, id.toBytes());
    byte[] stored;
    try (ResultSet row = get.executeQuery()) {
      stored = row.next() ? row.getBytes(1) : null;
    }
    if (stored != null) {
      touch.setDouble(1, recency.next());
      touch.setBytes(2, id.toBytes());
      touch.executeUpdate();
    }
    return stored;
  }
}
