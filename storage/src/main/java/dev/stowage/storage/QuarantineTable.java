package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code quarantine} table of the data database (schema version 2): the rows {@code fsck
 * --repair} took out of {@code vlobs} and {@code chunks} because they do not decrypt or decode, or
 * are file manifests whose chunks are gone. Each row keeps the original, still encrypted bytes
 * ({@code data}), the columns it had ({@code base_version}, {@code remote_version}, {@code
 * need_sync} of a manifest; {@code size} of a chunk), why it was moved and when. Nothing here is
 * ever read by the storage itself, except {@code fetch_again}:
 *
 * <p><b>Fetching a manifest again.</b> A quarantined manifest whose last synchronised version is
 * on the server ({@code base_version > 0}) is marked {@code fetch_again}. While no manifest is
 * stored under its id, the id is reported in the <em>remote</em> part of need-sync, as an entry
 * with a newer remote version would be: the host's sync engine finds it missing locally and
 * downloads it, and storing the download ends the report. Clearing the manifest later ({@code
 * clearManifest}) ends the mark too, so a cleared entry is not fetched back.
 *
 * <p>The moves copy the row with SQL ({@code INSERT ... SELECT}), byte for byte; the caller
 * deletes the original in the same transaction ({@link DataStore#quarantineManifest}).
 */
public final class QuarantineTable {
  private static final String COPY_MANIFEST =
      "INSERT INTO quarantine (kind, row_id, reason, quarantined_at, base_version, remote_version, need_sync,"
          + " size, fetch_again, data)"
          + " SELECT 'manifest', vlob_id, ?, ?, base_version, remote_version, need_sync, NULL,"
          + " CASE WHEN ? AND base_version > 0 THEN 1 ELSE 0 END, blob FROM vlobs WHERE vlob_id = ?";
  private static final String COPY_CHUNK =
      "INSERT INTO quarantine (kind, row_id, reason, quarantined_at, base_version, remote_version, need_sync,"
          + " size, fetch_again, data)"
          + " SELECT 'chunk', chunk_id, ?, ?, NULL, NULL, NULL, size, 0, data FROM chunks WHERE chunk_id = ?";
  private static final String TO_FETCH_AGAIN =
      "SELECT DISTINCT q.row_id FROM quarantine q WHERE q.fetch_again = 1"
          + " AND NOT EXISTS (SELECT 1 FROM vlobs v WHERE v.vlob_id = q.row_id)";
  private static final String STOP_FETCHING =
      "UPDATE quarantine SET fetch_again = 0 WHERE row_id = ? AND fetch_again = 1";
  private static final String COUNT = "SELECT count(*) FROM quarantine";
  private static final String ALL =
      "SELECT _id, kind, row_id, reason, quarantined_at, base_version, remote_version, need_sync, size,"
          + " fetch_again, data FROM quarantine ORDER BY _id";

  /** What a quarantined row was. */
  public enum Kind {
    MANIFEST("manifest"),
    CHUNK("chunk");

    private final String column;

    Kind(String column) {
      this.column = column;
    }

    /** How the kind is stored in the {@code kind} column. */
    public String column() {
      return column;
    }

    static Kind of(String column) {
      for (Kind kind : values()) {
        if (kind.column.equals(column)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("unknown quarantine kind '" + column + "'");
    }
  }

  /**
   * A quarantined row.
   *
   * @param rowId the 16-byte id it was stored under ({@link EntryId} or {@link ChunkId})
   * @param baseVersion a manifest's {@code base_version}, null for a chunk
   * @param remoteVersion a manifest's {@code remote_version}, null for a chunk
   * @param needSync a manifest's {@code need_sync}, null for a chunk
   * @param size a chunk's plaintext size, null for a manifest
   * @param fetchAgain whether a manifest is reported in remote need-sync while none is stored under its id
   * @param data the original sealed bytes
   */
  public record Row(long id, Kind kind, byte[] rowId, String reason, Instant quarantinedAt, Long baseVersion,
      Long remoteVersion, Boolean needSync, Long size, boolean fetchAgain, byte[] data) {}

  private final LocalDatabase db;

  public QuarantineTable(LocalDatabase db) {
    this.db = db;
  }

  /**
   * Copies the {@code vlobs} row of {@code id} here; {@code fetchAgain} marks it to be fetched
   * again if its base version is on the server ({@code base_version > 0}).
   *
   * @return whether there was a row to copy
   */
  boolean copyManifest(EntryId id, String reason, boolean fetchAgain, Instant at) {
    return db.run("quarantine manifest", () -> {
      PreparedStatement copy = db.statement(COPY_MANIFEST);
      copy.setString(1, reason);
      copy.setLong(2, at.toEpochMilli());
      copy.setInt(3, fetchAgain ? 1 : 0);
      copy.setBytes(4, id.toBytes());
      return copy.executeUpdate() > 0;
    });
  }

  /** Copies the {@code chunks} row of {@code id} here; returns whether there was one. */
  boolean copyChunk(ChunkId id, String reason, Instant at) {
    return db.run("quarantine chunk", () -> {
      PreparedStatement copy = db.statement(COPY_CHUNK);
      copy.setString(1, reason);
      copy.setLong(2, at.toEpochMilli());
      copy.setBytes(3, id.toBytes());
      return copy.executeUpdate() > 0;
    });
  }

  /** Ids of the quarantined manifests to fetch again: marked, and no manifest stored under the id. */
  public Set<EntryId> toFetchAgain() {
    return db.run("quarantined manifests to fetch again", () -> {
      Set<EntryId> ids = new HashSet<>();
      try (ResultSet rows = db.statement(TO_FETCH_AGAIN).executeQuery()) {
        while (rows.next()) {
          ids.add(EntryId.fromBytes(rows.getBytes(1)));
        }
      }
      return ids;
    });
  }

  /** Ends the mark of {@code id}: it is not to be fetched again. */
  void stopFetching(EntryId id) {
    db.run("stop fetching a quarantined manifest", () -> {
      PreparedStatement stop = db.statement(STOP_FETCHING);
      stop.setBytes(1, id.toBytes());
      return stop.executeUpdate();
    });
  }

  public long count() {
    return db.run("count quarantine", () -> {
      try (ResultSet row = db.statement(COUNT).executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  /** Every quarantined row, oldest first (for inspection and tests; not for hot paths). */
  public List<Row> all() {
    return db.run("list quarantine", () -> {
      List<Row> all = new ArrayList<>();
      try (ResultSet rows = db.statement(ALL).executeQuery()) {
        while (rows.next()) {
          all.add(new Row(rows.getLong(1), Kind.of(rows.getString(2)), rows.getBytes(3), rows.getString(4),
              Instant.ofEpochMilli(rows.getLong(5)), nullableLong(rows, 6), nullableLong(rows, 7),
              nullableBoolean(rows, 8), nullableLong(rows, 9), rows.getInt(10) != 0, rows.getBytes(11)));
        }
      }
      return all;
    });
  }

  private static Long nullableLong(ResultSet rows, int column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? null : value;
  }

  private static Boolean nullableBoolean(ResultSet rows, int column) throws SQLException {
    int value = rows.getInt(column);
    return rows.wasNull() ? null : value != 0;
  }
}
