package dev.stowage.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code block_limit} table of the cache database: a single row, the block limit ({@code
 * cache-size / block-size}) of the host that last opened the cache for writing, and since when it
 * is that value. It lets the offline tools ({@code inspect}, {@code fsck}, {@code fsck --repair})
 * judge a workspace by its own setting rather than by a configuration of theirs, which may belong
 * to another program. A file from before this table (cache schema version 1) has no row until a
 * host opens it.
 */
public final class BlockLimitTable {
  private static final String GET = "SELECT blocks, recorded_at FROM block_limit WHERE _id = 0";
  private static final String SET =
      "INSERT INTO block_limit (_id, blocks, recorded_at) VALUES (0, ?, ?)"
          + " ON CONFLICT (_id) DO UPDATE SET blocks = excluded.blocks, recorded_at = excluded.recorded_at"
          + " WHERE blocks != excluded.blocks";

  /** A recorded limit, and when a host first opened the cache with it. */
  public record Recorded(long blocks, Instant since) {}

  private final LocalDatabase db;

  public BlockLimitTable(LocalDatabase db) {
    if (db.kind() != DatabaseKind.CACHE) {
      throw new IllegalArgumentException("the block limit lives in the cache database, not " + db.file());
    }
    this.db = db;
  }

  /** The recorded limit, or empty if no host has opened this cache since Stowage records it. */
  public Optional<Recorded> get() {
    return db.run("get recorded block limit", () -> {
      try (ResultSet row = db.statement(GET).executeQuery()) {
        return row.next() ? Optional.of(new Recorded(row.getLong(1), Instant.ofEpochMilli(row.getLong(2))))
            : Optional.<Recorded>empty();
      }
    });
  }

  /**
   * Records {@code blocks} as the limit, with {@code now} as its time if it changes; recording the
   * current limit again changes nothing. Call in a transaction.
   *
   * @return whether the record changed
   */
  public boolean set(long blocks, Instant now) {
    if (blocks <= 0) {
      throw new IllegalArgumentException("block limit must be positive, got " + blocks);
    }
    return db.run("record block limit", () -> {
      PreparedStatement set = db.statement(SET);
      set.setLong(1, blocks);
      set.setLong(2, now.toEpochMilli());
      return set.executeUpdate() > 0;
    });
  }
}
