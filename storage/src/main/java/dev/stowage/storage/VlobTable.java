package dev.stowage.storage;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.Require;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The {@code vlobs} table: one encrypted manifest per entry id, with the versions that drive
 * synchronisation. {@code remote_version} only ever rises (INV-15): a put raises it to at least the
 * manifest's base version, and {@link #raiseRemoteVersions} raises it on existing rows only.
 */
public final class VlobTable {
  private static final String GET = "SELECT blob FROM vlobs WHERE vlob_id = ?";
  private static final String PUT =
      "INSERT INTO vlobs (vlob_id, base_version, remote_version, need_sync, blob) VALUES (?, ?, ?, ?, ?)"
          + " ON CONFLICT (vlob_id) DO UPDATE SET base_version = excluded.base_version,"
          + " remote_version = max(remote_version, excluded.base_version),"
          + " need_sync = excluded.need_sync, blob = excluded.blob";
  private static final String DELETE = "DELETE FROM vlobs WHERE vlob_id = ?";
  private static final String LOCAL_NEED_SYNC = "SELECT vlob_id FROM vlobs WHERE need_sync = 1";
  private static final String REMOTE_NEED_SYNC =
      "SELECT vlob_id FROM vlobs WHERE base_version != remote_version";
  private static final String RAISE_REMOTE =
      "UPDATE vlobs SET remote_version = ? WHERE vlob_id = ? AND remote_version < ?";
  private static final String VERSIONS =
      "SELECT base_version, remote_version, need_sync FROM vlobs WHERE vlob_id = ?";
  // The pages read the partial need-sync indexes and the primary key in their order: vlob_id is a
  // BLOB, compared as unsigned bytes (EntryId's order).
  private static final String LOCAL_NEED_SYNC_PAGE =
      "SELECT vlob_id FROM vlobs WHERE need_sync = 1 ORDER BY vlob_id LIMIT ?";
  private static final String REMOTE_NEED_SYNC_PAGE =
      "SELECT vlob_id FROM vlobs WHERE base_version != remote_version ORDER BY vlob_id LIMIT ?";
  private static final String PAGE_FROM_START = "SELECT vlob_id FROM vlobs ORDER BY vlob_id LIMIT ?";
  private static final String PAGE_AFTER = "SELECT vlob_id FROM vlobs WHERE vlob_id > ? ORDER BY vlob_id LIMIT ?";
  private static final String LOCAL_NEED_SYNC_COUNT = "SELECT count(*) FROM vlobs WHERE need_sync = 1";
  private static final String COUNT = "SELECT count(*) FROM vlobs";
  private static final String ALL = "SELECT vlob_id, base_version, remote_version, need_sync, blob FROM vlobs";

  /** A stored row, for inspection and fsck. */
  public record Row(EntryId id, long baseVersion, long remoteVersion, boolean needSync, byte[] blob) {}

  /** The synchronisation columns of a row. */
  public record Versions(long baseVersion, long remoteVersion, boolean needSync) {}

  private final LocalDatabase db;

  public VlobTable(LocalDatabase db) {
    this.db = db;
  }

  /** The sealed manifest blob stored for {@code id}, if any. */
  public Optional<byte[]> get(EntryId id) {
    return db.run("get manifest", () -> {
      PreparedStatement get = db.statement(GET);
      get.setBytes(1, id.toBytes());
      try (ResultSet row = get.executeQuery()) {
        return row.next() ? Optional.of(row.getBytes(1)) : Optional.empty();
      }
    });
  }

  /**
   * Inserts or replaces the manifest of {@code id}: {@code base_version} becomes {@code
   * baseVersion}, {@code remote_version} becomes max(baseVersion, stored remote_version).
   */
  public void put(EntryId id, long baseVersion, boolean needSync, byte[] sealedBlob) {
    Require.nonNegative(baseVersion, "baseVersion");
    Require.nonNull(sealedBlob, "manifest blob");
    db.run("put manifest", () -> {
      PreparedStatement put = db.statement(PUT);
      put.setBytes(1, id.toBytes());
      put.setLong(2, baseVersion);
      put.setLong(3, baseVersion);
      put.setInt(4, needSync ? 1 : 0);
      put.setBytes(5, sealedBlob);
      return put.executeUpdate();
    });
  }

  /** Deletes the row of {@code id}; returns whether there was one. */
  public boolean delete(EntryId id) {
    return db.run("delete manifest", () -> {
      PreparedStatement delete = db.statement(DELETE);
      delete.setBytes(1, id.toBytes());
      return delete.executeUpdate() > 0;
    });
  }

  /** Ids whose stored manifest has {@code need_sync}. */
  public Set<EntryId> localNeedSync() {
    return ids("local need-sync", LOCAL_NEED_SYNC);
  }

  /** Ids whose stored {@code base_version != remote_version}. */
  public Set<EntryId> remoteNeedSync() {
    return ids("remote need-sync", REMOTE_NEED_SYNC);
  }

  /** The first {@code limit} ids, ascending, whose stored manifest has {@code need_sync}. */
  public List<EntryId> localNeedSyncPage(int limit) {
    return page("local need-sync page", LOCAL_NEED_SYNC_PAGE, null, limit);
  }

  /** The first {@code limit} ids, ascending, whose stored {@code base_version != remote_version}. */
  public List<EntryId> remoteNeedSyncPage(int limit) {
    return page("remote need-sync page", REMOTE_NEED_SYNC_PAGE, null, limit);
  }

  /** The first {@code limit} stored ids, ascending, strictly after {@code after} (null: from the start). */
  public List<EntryId> idsAfter(EntryId after, int limit) {
    return page("list manifests", after == null ? PAGE_FROM_START : PAGE_AFTER, after, limit);
  }

  /** How many stored manifests have {@code need_sync}. */
  public long localNeedSyncCount() {
    return db.run("count local need-sync", () -> {
      try (ResultSet row = db.statement(LOCAL_NEED_SYNC_COUNT).executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  /** The ids among {@code ids} whose stored manifest has {@code need_sync}, in any number. */
  public Set<EntryId> localNeedSyncAmong(Collection<EntryId> ids) {
    return IdBatches.selectAmong(db, "local need-sync among", "SELECT vlob_id FROM vlobs WHERE need_sync = 1 AND vlob_id IN",
        ids, EntryId::toBytes, EntryId::fromBytes);
  }

  /**
   * Raises {@code remote_version} of the existing rows among {@code changed} (never lowers it, never
   * creates a row).
   *
   * @return the ids whose remote version rose (for the change feed)
   */
  public Set<EntryId> raiseRemoteVersions(Map<EntryId, Long> changed) {
    changed.forEach((id, version) -> {
      Require.nonNull(id, "changed vlob id");
      Require.nonNegative(Require.nonNull(version, "version of " + id), "version of " + id);
    });
    return db.run("raise remote versions", () -> {
      PreparedStatement raise = db.statement(RAISE_REMOTE);
      Set<EntryId> raised = new HashSet<>();
      for (Map.Entry<EntryId, Long> entry : changed.entrySet()) {
        raise.setLong(1, entry.getValue());
        raise.setBytes(2, entry.getKey().toBytes());
        raise.setLong(3, entry.getValue());
        if (raise.executeUpdate() > 0) {
          raised.add(entry.getKey());
        }
      }
      return raised;
    });
  }

  /** The synchronisation columns stored for {@code id}, if any. */
  public Optional<Versions> versions(EntryId id) {
    return db.run("manifest versions", () -> {
      PreparedStatement versions = db.statement(VERSIONS);
      versions.setBytes(1, id.toBytes());
      try (ResultSet row = versions.executeQuery()) {
        return row.next()
            ? Optional.of(new Versions(row.getLong(1), row.getLong(2), row.getInt(3) != 0))
            : Optional.empty();
      }
    });
  }

  public long count() {
    return db.run("count manifests", () -> {
      try (ResultSet row = db.statement(COUNT).executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  /** Visits every stored row (for fsck and inspection; not for hot paths). */
  public void forEach(Consumer<Row> visitor) {
    db.run("scan manifests", () -> {
      try (ResultSet rows = db.statement(ALL).executeQuery()) {
        while (rows.next()) {
          visitor.accept(new Row(EntryId.fromBytes(rows.getBytes(1)), rows.getLong(2), rows.getLong(3),
              rows.getInt(4) != 0, rows.getBytes(5)));
        }
      }
      return null;
    });
  }

  private List<EntryId> page(String what, String sql, EntryId after, int limit) {
    Require.positive(limit, "limit");
    return db.run(what, () -> {
      PreparedStatement page = db.statement(sql);
      int parameter = 1;
      if (after != null) {
        page.setBytes(parameter++, after.toBytes());
      }
      page.setInt(parameter, limit);
      List<EntryId> ids = new ArrayList<>(Math.min(limit, 1024));
      try (ResultSet rows = page.executeQuery()) {
        while (rows.next()) {
          ids.add(EntryId.fromBytes(rows.getBytes(1)));
        }
      }
      return ids;
    });
  }

  private Set<EntryId> ids(String what, String sql) {
    return db.run(what, () -> {
      Set<EntryId> ids = new HashSet<>();
      try (ResultSet rows = db.statement(sql).executeQuery()) {
        while (rows.next()) {
          ids.add(EntryId.fromBytes(rows.getBytes(1)));
        }
      }
      return ids;
    });
  }
}
