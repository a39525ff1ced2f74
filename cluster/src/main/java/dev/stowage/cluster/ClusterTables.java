package dev.stowage.cluster;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.PreventSyncPattern;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Every SQL statement of cluster mode on Stowage's own tables (and the read-only need-sync and gc
 * queries over the durable-state table), for one workspace. Speaks SQL and nothing else; each
 * method runs on the connection it is given, inside the caller's transaction.
 */
final class ClusterTables {
  /** Deletes chunks of one workspace: parameters workspace id and an array of chunk ids ({@link #uuids}). */
  static final String DELETE_CHUNKS = "DELETE FROM stowage_chunks WHERE workspace_id = ? AND chunk_id = ANY(?)";
  /**
   * Forgets the remote version of a manifest (parameter: its persistence id), as local mode does
   * with the row when the manifest is cleared.
   */
  static final String DELETE_REMOTE_VERSION = "DELETE FROM stowage_remote_versions WHERE persistence_id = ?";

  private final String workspaceId;
  private final String prefix;

  ClusterTables(String workspaceId) {
    this.workspaceId = workspaceId;
    this.prefix = ManifestIds.persistencePrefix(workspaceId);
  }

  // ---- chunks ----------------------------------------------------------------------------------

  void putChunk(Connection c, ChunkId id, int size, byte[] sealed) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO stowage_chunks (workspace_id, chunk_id, size, data) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (workspace_id, chunk_id) DO UPDATE SET size = excluded.size, data = excluded.data,"
            + " created_at = now()")) {
      s.setString(1, workspaceId);
      s.setObject(2, id.value());
      s.setInt(3, size);
      s.setBytes(4, sealed);
      s.executeUpdate();
    }
  }

  Optional<byte[]> getChunk(Connection c, ChunkId id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT data FROM stowage_chunks WHERE workspace_id = ? AND chunk_id = ?")) {
      s.setString(1, workspaceId);
      s.setObject(2, id.value());
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.empty();
      }
    }
  }

  boolean deleteChunk(Connection c, ChunkId id) throws SQLException {
    return deleteChunks(c, List.of(id)) > 0;
  }

  int deleteChunks(Connection c, Collection<ChunkId> ids) throws SQLException {
    if (ids.isEmpty()) {
      return 0;
    }
    try (PreparedStatement s = c.prepareStatement(DELETE_CHUNKS)) {
      s.setString(1, workspaceId);
      s.setArray(2, uuids(c, ids));
      return s.executeUpdate();
    }
  }

  Set<ChunkId> presentChunks(Connection c, Collection<ChunkId> ids) throws SQLException {
    Set<ChunkId> present = new HashSet<>();
    if (ids.isEmpty()) {
      return present;
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT chunk_id FROM stowage_chunks WHERE workspace_id = ? AND chunk_id = ANY(?)")) {
      s.setString(1, workspaceId);
      s.setArray(2, uuids(c, ids));
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          present.add(new ChunkId(rows.getObject(1, UUID.class)));
        }
      }
    }
    return present;
  }

  /** The chunks written before {@code before}: the candidates of gc. */
  List<ChunkId> chunksWrittenBefore(Connection c, Instant before) throws SQLException {
    List<ChunkId> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT chunk_id FROM stowage_chunks WHERE workspace_id = ? AND created_at < ?")) {
      s.setString(1, workspaceId);
      s.setTimestamp(2, Timestamp.from(before));
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          ids.add(new ChunkId(rows.getObject(1, UUID.class)));
        }
      }
    }
    return ids;
  }

  // ---- the workspace row ---------------------------------------------------------------------------

  /** Creates the workspace's row with {@code keyCheck} if it has none; returns the stored key check. */
  byte[] openWorkspace(Connection c, byte[] keyCheck) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO stowage_workspaces (workspace_id, key_check) VALUES (?, ?) ON CONFLICT (workspace_id) DO NOTHING")) {
      s.setString(1, workspaceId);
      s.setBytes(2, keyCheck);
      s.executeUpdate();
    }
    try (PreparedStatement s = c.prepareStatement("SELECT key_check FROM stowage_workspaces WHERE workspace_id = ?")) {
      s.setString(1, workspaceId);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getBytes(1);
      }
    }
  }

  long realmCheckpoint(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT realm_checkpoint FROM stowage_workspaces WHERE workspace_id = ?")) {
      s.setString(1, workspaceId);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0;
      }
    }
  }

  /**
   * Stores the checkpoint and raises the remote version of the stored (not cleared) manifests among
   * {@code changed}, never lowering it (INV-15); in the caller's transaction.
   */
  Set<EntryId> updateRealmCheckpoint(Connection c, long checkpoint, Map<EntryId, Long> changed) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE stowage_workspaces SET realm_checkpoint = ? WHERE workspace_id = ?")) {
      s.setLong(1, checkpoint);
      s.setString(2, workspaceId);
      s.executeUpdate();
    }
    List<EntryId> ids = new ArrayList<>(changed.keySet());
    Set<EntryId> raised = new HashSet<>();
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO stowage_remote_versions (persistence_id, remote_version)"
            + " SELECT persistence_id, ? FROM durable_state WHERE persistence_id = ? AND tag <> 'deleted'"
            + " ON CONFLICT (persistence_id) DO UPDATE SET remote_version = excluded.remote_version"
            + " WHERE stowage_remote_versions.remote_version < excluded.remote_version")) {
      for (EntryId id : ids) {
        s.setLong(1, changed.get(id));
        s.setString(2, ManifestIds.persistenceId(workspaceId, id));
        s.addBatch();
      }
      int[] counts = s.executeBatch();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
          raised.add(ids.get(i));
        }
      }
    }
    return raised;
  }


  PreventSyncPattern preventSyncPattern(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT prevent_sync_pattern, pattern_fully_applied FROM stowage_workspaces WHERE workspace_id = ?")) {
      s.setString(1, workspaceId);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return new PreventSyncPattern(rows.getString(1), rows.getBoolean(2));
      }
    }
  }

  /** Replaces the pattern; the same pattern again changes nothing (INV-16). */
  void setPreventSyncPattern(Connection c, String regex) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE stowage_workspaces SET prevent_sync_pattern = ?, pattern_fully_applied = false"
            + " WHERE workspace_id = ? AND prevent_sync_pattern <> ?")) {
      s.setString(1, regex);
      s.setString(2, workspaceId);
      s.setString(3, regex);
      s.executeUpdate();
    }
  }

  void markPreventSyncPatternFullyApplied(Connection c, String regex) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE stowage_workspaces SET pattern_fully_applied = true WHERE workspace_id = ? AND prevent_sync_pattern = ?")) {
      s.setString(1, workspaceId);
      s.setString(2, regex);
      s.executeUpdate();
    }
  }

  // ---- manifests (read-only: they are written through the durable-state store) --------------------

  /** The stored need-sync sets: local = tagged {@code sync:}, remote = remote version above the base. */
  StoredNeedSync needSync(Connection c) throws SQLException {
    Set<EntryId> local = new HashSet<>();
    Set<EntryId> remote = new HashSet<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT d.persistence_id, d.tag, r.remote_version FROM durable_state d"
            + " LEFT JOIN stowage_remote_versions r ON r.persistence_id = d.persistence_id"
            + " WHERE left(d.persistence_id, ?) = ? AND d.tag <> 'deleted'")) {
      s.setInt(1, prefix.length());
      s.setString(2, prefix);
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          EntryId id = ManifestIds.entryOfPersistenceId(rows.getString(1));
          SyncTag tag = SyncTag.parse(rows.getString(2));
          long remoteVersion = rows.getLong(3); // 0 when there is no row: never above a base version
          if (tag.needSync()) {
            local.add(id);
          }
          if (remoteVersion > tag.baseVersion()) {
            remote.add(id);
          }
        }
      }
    }
    return new StoredNeedSync(local, remote);
  }

  record StoredNeedSync(Set<EntryId> local, Set<EntryId> remote) {}

  // The pages order the persistence ids byte by byte (COLLATE "C"): a fixed prefix, then a UUID in
  // lower-case hex, so their order is the ids' 16-byte order (EntryId.compareTo), whatever the
  // database's collation.
  private static final String IN_WORKSPACE = " FROM durable_state d WHERE left(d.persistence_id, ?) = ?";
  private static final String PAGE_ORDER = " ORDER BY d.persistence_id COLLATE \"C\" LIMIT ?";

  /** The first {@code limit} ids, ascending, tagged {@code sync:}. */
  List<EntryId> outboundPage(Connection c, int limit) throws SQLException {
    return page(c, "SELECT d.persistence_id" + IN_WORKSPACE + " AND d.tag LIKE 'sync:%'" + PAGE_ORDER, null, limit);
  }

  /** The first {@code limit} ids, ascending, whose remote version is above their base version. */
  List<EntryId> inboundPage(Connection c, int limit) throws SQLException {
    return page(c, "SELECT d.persistence_id FROM durable_state d"
        + " JOIN stowage_remote_versions r ON r.persistence_id = d.persistence_id"
        + " WHERE left(d.persistence_id, ?) = ? AND d.tag <> 'deleted'"
        + " AND r.remote_version > split_part(d.tag, ':', 2)::bigint" + PAGE_ORDER, null, limit);
  }

  /** The first {@code limit} stored ids, ascending, strictly after {@code after} (null: from the start). */
  List<EntryId> manifestPage(Connection c, EntryId after, int limit) throws SQLException {
    return page(c, "SELECT d.persistence_id" + IN_WORKSPACE + " AND d.tag <> 'deleted'"
        + (after == null ? "" : " AND d.persistence_id COLLATE \"C\" > ?") + PAGE_ORDER, after, limit);
  }

  private List<EntryId> page(Connection c, String sql, EntryId after, int limit) throws SQLException {
    List<EntryId> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      int parameter = 1;
      s.setInt(parameter++, prefix.length());
      s.setString(parameter++, prefix);
      if (after != null) {
        s.setString(parameter++, prefix + after.value());
      }
      s.setInt(parameter, limit);
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          ids.add(ManifestIds.entryOfPersistenceId(rows.getString(1)));
        }
      }
    }
    return ids;
  }

  /** The stored side of a backlog: how many are tagged {@code sync:}, which of {@code among} are, the chunks' bytes. */
  StoredBacklog backlog(Connection c, Collection<EntryId> among) throws SQLException {
    long count;
    try (PreparedStatement s = c.prepareStatement("SELECT count(*)" + IN_WORKSPACE + " AND d.tag LIKE 'sync:%'")) {
      s.setInt(1, prefix.length());
      s.setString(2, prefix);
      try (ResultSet row = s.executeQuery()) {
        row.next();
        count = row.getLong(1);
      }
    }
    Set<EntryId> needSyncAmong = new HashSet<>();
    if (!among.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(
          "SELECT d.persistence_id FROM durable_state d WHERE d.persistence_id = ANY(?) AND d.tag LIKE 'sync:%'")) {
        s.setArray(1, c.createArrayOf("varchar", among.stream().map(id -> prefix + id.value()).toArray()));
        try (ResultSet rows = s.executeQuery()) {
          while (rows.next()) {
            needSyncAmong.add(ManifestIds.entryOfPersistenceId(rows.getString(1)));
          }
        }
      }
    }
    long bytes;
    try (PreparedStatement s = c.prepareStatement(
        "SELECT coalesce(sum(size), 0) FROM stowage_chunks WHERE workspace_id = ?")) {
      s.setString(1, workspaceId);
      try (ResultSet row = s.executeQuery()) {
        row.next();
        bytes = row.getLong(1);
      }
    }
    return new StoredBacklog(count, needSyncAmong, bytes);
  }

  record StoredBacklog(long needSync, Set<EntryId> needSyncAmongDirty, long chunkBytes) {}

  /** The sealed payloads of the workspace's stored manifests (for gc), by entry id. */
  void forEachStoredManifest(Connection c, ManifestVisitor visitor) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT persistence_id, state_payload FROM durable_state WHERE left(persistence_id, ?) = ? AND tag <> 'deleted'")) {
      s.setInt(1, prefix.length());
      s.setString(2, prefix);
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          visitor.visit(ManifestIds.entryOfPersistenceId(rows.getString(1)), rows.getBytes(2));
        }
      }
    }
  }

  @FunctionalInterface
  interface ManifestVisitor {
    void visit(EntryId id, byte[] serializedPayload);
  }

  /** {@code ids} as a PostgreSQL {@code uuid[]} parameter. */
  static Array uuids(Connection c, Collection<ChunkId> ids) throws SQLException {
    return c.createArrayOf("uuid", ids.stream().map(ChunkId::value).toArray());
  }
}
