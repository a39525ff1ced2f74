package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code chunks} table: locally written chunks in the data database, downloaded blocks in the
 * cache database. {@code data} holds the sealed (encrypted) bytes, {@code size} the plaintext size.
 * {@code accessed_on} (seconds since the epoch) is a block's recency for the LRU, and a chunk's
 * write time, by which {@code stowage gc} tells an orphan from a chunk whose manifest may still
 * come; chunks written before write times were recorded have 0 there.
 * Every method runs inside the caller's transaction, if one is open.
 */
public final class ChunkTable {
  private static final String GET = "SELECT data FROM chunks WHERE chunk_id = ?";
  private static final String PUT =
      "INSERT INTO chunks (chunk_id, size, offline, accessed_on, data) VALUES (?, ?, 0, ?, ?)"
          + " ON CONFLICT (chunk_id) DO UPDATE SET size = excluded.size, accessed_on = excluded.accessed_on,"
          + " data = excluded.data";
  private static final String DELETE = "DELETE FROM chunks WHERE chunk_id = ?";
  private static final String TOUCH = "UPDATE chunks SET accessed_on = ? WHERE chunk_id = ?";
  private static final String COUNT = "SELECT count(*) FROM chunks";
  private static final String TOTAL_SIZE = "SELECT coalesce(sum(size), 0) FROM chunks";
  private static final String DELETE_LEAST_RECENT =
      "DELETE FROM chunks WHERE chunk_id IN"
          + " (SELECT chunk_id FROM chunks ORDER BY accessed_on ASC LIMIT ?)";
  private static final String ALL_IDS = "SELECT chunk_id FROM chunks";
  private static final String IDS_ACCESSED_BEFORE = "SELECT chunk_id FROM chunks WHERE coalesce(accessed_on, 0) < ?";

  private final LocalDatabase db;

  public ChunkTable(LocalDatabase db) {
    this.db = db;
  }

  /** The sealed bytes of a chunk, if stored. */
  public Optional<byte[]> get(ChunkId id) {
    return db.run("get chunk", () -> {
      PreparedStatement get = db.statement(GET);
      get.setBytes(1, id.toBytes());
      try (ResultSet row = get.executeQuery()) {
        return row.next() ? Optional.of(row.getBytes(1)) : Optional.empty();
      }
    });
  }

  /** Inserts or replaces a chunk. */
  public void put(ChunkId id, int plainSize, byte[] sealed, double accessedOn) {
    db.run("put chunk", () -> {
      PreparedStatement put = db.statement(PUT);
      put.setBytes(1, id.toBytes());
      put.setInt(2, plainSize);
      put.setDouble(3, accessedOn);
      put.setBytes(4, sealed);
      return put.executeUpdate();
    });
  }

  /** Deletes a chunk; returns whether it was there. */
  public boolean delete(ChunkId id) {
    return db.run("delete chunk", () -> {
      PreparedStatement delete = db.statement(DELETE);
      delete.setBytes(1, id.toBytes());
      return delete.executeUpdate() > 0;
    });
  }

  /** Deletes every chunk of {@code ids} that is stored; returns how many were. */
  public int deleteAll(Iterable<ChunkId> ids) {
    List<ChunkId> list = IdBatches.list(ids);
    if (list.isEmpty()) {
      return 0;
    }
    return db.run("delete chunks", () -> {
      int[] deleted = {0};
      IdBatches.forEachBatch(list, ChunkId::toBytes,
          size -> db.statement(IdBatches.sql("DELETE FROM chunks WHERE chunk_id IN", size, "")),
          statement -> deleted[0] += statement.executeUpdate());
      return deleted[0];
    });
  }

  /** The ids among {@code ids} that are stored, in any number (batched under SQLite's variable limit). */
  public Set<ChunkId> presentAmong(Iterable<ChunkId> ids) {
    return IdBatches.selectAmong(db, "find local chunks", "SELECT chunk_id FROM chunks WHERE chunk_id IN",
        IdBatches.list(ids), ChunkId::toBytes, ChunkId::fromBytes);
  }

  /** Sets the access time of a chunk (the LRU's recency); returns whether it was there. */
  public boolean touch(ChunkId id, double accessedOn) {
    return db.run("touch chunk", () -> {
      PreparedStatement touch = db.statement(TOUCH);
      touch.setDouble(1, accessedOn);
      touch.setBytes(2, id.toBytes());
      return touch.executeUpdate() > 0;
    });
  }

  /** Deletes the {@code count} least recently accessed chunks; returns how many it deleted. */
  public int deleteLeastRecentlyAccessed(long count) {
    return db.run("evict chunks", () -> {
      PreparedStatement evict = db.statement(DELETE_LEAST_RECENT);
      evict.setLong(1, count);
      return evict.executeUpdate();
    });
  }

  public long count() {
    return db.run("count chunks", () -> {
      try (ResultSet row = db.statement(COUNT).executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  /** Sum of the plaintext sizes of all chunks. */
  public long totalSize() {
    return db.run("size chunks", () -> {
      try (ResultSet row = db.statement(TOTAL_SIZE).executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  /** Every stored chunk id (for fsck and inspection; not for hot paths). */
  public Set<ChunkId> allIds() {
    return db.run("list chunks", () -> {
      Set<ChunkId> ids = new HashSet<>();
      try (ResultSet rows = db.statement(ALL_IDS).executeQuery()) {
        while (rows.next()) {
          ids.add(ChunkId.fromBytes(rows.getBytes(1)));
        }
      }
      return ids;
    });
  }

  /**
   * The ids of the chunks whose {@code accessed_on} is before {@code epochSeconds} (a chunk's write
   * time; none recorded counts as 0, before any time). For {@code gc}; not for hot paths.
   */
  public Set<ChunkId> idsAccessedBefore(double epochSeconds) {
    return db.run("list chunks written before", () -> {
      Set<ChunkId> ids = new HashSet<>();
      PreparedStatement select = db.statement(IDS_ACCESSED_BEFORE);
      select.setDouble(1, epochSeconds);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ids.add(ChunkId.fromBytes(rows.getBytes(1)));
        }
      }
      return ids;
    });
  }
}
