package dev.stowage.cluster;

import dev.stowage.protocol.ChunkId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * The SQL of a group commit of manifest writes: many rows of pekko-persistence-jdbc's {@code
 * durable_state} table written in one transaction, in that plugin's own row format, so that its
 * {@code getObject} and {@code changes} read them as if its {@code upsertObject} had written them.
 *
 * <p>Each row is written as the plugin writes it (its {@code DurableStateQueries}): revision 1 is an
 * insert, a later revision an update of the row holding the revision before; either takes the next
 * {@code global_offset} from the table's sequence (which the {@code changes} queries order by) and
 * stores the payload serialized by Pekko serialization with its serializer id and manifest. Unlike
 * the plugin, a stale revision does not raise an error, which would abort the whole transaction:
 * the insert does nothing on a conflict and the update matches no row, and the write is reported
 * as not applied while the others commit.
 *
 * <p>The chunks a written manifest no longer references are deleted in the same transaction, after
 * its row (and only if its row was applied): the manifest and its removed chunks commit together.
 */
final class DurableStateRows {

  /**
   * One manifest row to write, and what goes with it. {@code revision} is the revision to store,
   * applied only if the stored one is the one before; or {@link #NEXT_REVISION}: whatever is stored,
   * plus one (the first write of an entity that has not read its row: the read and the write are
   * then one statement, with no window between them for another writer).
   */
  record Write(
      String workspaceId,
      String persistenceId,
      long revision,
      byte[] payload,
      String tag,
      List<ChunkId> removedChunkIds,
      boolean forgetsRemoteVersion) {
    static final long NEXT_REVISION = 0;

    Write {
      if (revision < 0) {
        throw new IllegalArgumentException("a durable-state revision starts at 1, got " + revision);
      }
      removedChunkIds = List.copyOf(removedChunkIds);
    }
  }

  private static final String NEXT_OFFSET = "nextval(pg_get_serial_sequence('durable_state', 'global_offset'))";
  private static final String COLUMNS = "persistence_id, global_offset, revision, state_payload, state_serial_id,"
      + " state_serial_manifest, tag, state_timestamp";
  private static final String INSERT = "INSERT INTO durable_state (" + COLUMNS + ") VALUES (?, " + NEXT_OFFSET
      + ", ?, ?, ?, ?, ?, ?) ON CONFLICT (persistence_id) DO NOTHING";
  private static final String UPSERT_NEXT = "INSERT INTO durable_state (" + COLUMNS + ") VALUES (?, " + NEXT_OFFSET
      + ", 1, ?, ?, ?, ?, ?) ON CONFLICT (persistence_id) DO UPDATE SET global_offset = excluded.global_offset,"
      + " revision = durable_state.revision + 1, state_payload = excluded.state_payload,"
      + " state_serial_id = excluded.state_serial_id, state_serial_manifest = excluded.state_serial_manifest,"
      + " tag = excluded.tag, state_timestamp = excluded.state_timestamp RETURNING revision";
  private static final String UPDATE =
      "UPDATE durable_state SET global_offset = " + NEXT_OFFSET + ", revision = ?, state_payload = ?,"
          + " state_serial_id = ?, state_serial_manifest = ?, tag = ?, state_timestamp = ?"
          + " WHERE persistence_id = ? AND revision = ?";

  /**
   * A take-over of a row by a new incarnation of its entity: the stored revision plus one, with the
   * row as it is (or, if there is none, a tombstone at revision 1), returned in the same statement.
   * Any write that an older incarnation still has on its way, which replaces the revision it knew,
   * is then refused: a new incarnation fences the old ones.
   */
  private static final String TAKE_OVER_ON_CONFLICT = " ON CONFLICT (persistence_id) DO UPDATE SET revision ="
      + " durable_state.revision + 1 RETURNING revision, state_payload, state_serial_id, state_serial_manifest";
  private static final String TAKE_OVER = "INSERT INTO durable_state (" + COLUMNS + ") VALUES (?, " + NEXT_OFFSET
      + ", 1, ?, ?, ?, ?, ?)" + TAKE_OVER_ON_CONFLICT;
  /**
   * {@link #TAKE_OVER} committed without waiting for the WAL's flush ({@code synchronous_commit =
   * off} for its own transaction), for a transaction of take-overs only. A take-over changes no
   * data: what it fences needs it visible, which it is once committed. Lost in a PostgreSQL crash
   * (with no later commit that flushed it), it leaves the older revision stored: the crash ended
   * every statement of an older incarnation in flight, and the new one's next write, which expects
   * the revision it took, is refused, so that it takes the row over again.
   */
  private static final String TAKE_OVER_NOT_WAITING_FOR_FLUSH = "INSERT INTO durable_state (" + COLUMNS + ")"
      + " SELECT ?, " + NEXT_OFFSET + ", 1, ?, ?, ?, ?, ?"
      + " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS not_waiting_for_flush"
      + TAKE_OVER_ON_CONFLICT;

  /** A row taken over ({@link #takeOver}): the revision now stored and the payload it holds (empty: a tombstone). */
  record TakenOver(long revision, byte[] payload) {}

  private final Serialization serialization;

  DurableStateRows(Serialization serialization) {
    this.serialization = serialization;
  }

  /**
   * Writes {@code writes} on {@code c}, inside its open transaction; the caller commits. Returns,
   * for each write in order, the revision stored, or 0 if it was not applied (its revision is stale).
   *
   * <p>The first revisions go first (one JDBC batch of inserts, sent in one round trip), then the
   * blind writes (a round trip each: a batch cannot return their revisions), then the updates (one
   * batch): a later revision of a row written in the same batch finds the row. The payloads travel
   * in binary. (One statement over arrays of rows, {@code unnest}, measured no faster here: the
   * arrays travel as text, and PostgreSQL's cost is per row either way.)
   */
  long[] write(Connection c, List<Write> writes) throws SQLException {
    long[] stored = new long[writes.size()];
    List<Integer> inserted = new ArrayList<>();
    List<Integer> next = new ArrayList<>();
    List<Integer> updated = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      long revision = writes.get(i).revision();
      (revision == Write.NEXT_REVISION ? next : revision == 1 ? inserted : updated).add(i);
    }
    long now = System.currentTimeMillis();
    if (!inserted.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(INSERT)) {
        for (int i : inserted) {
          Write write = writes.get(i);
          s.setString(1, write.persistenceId());
          s.setLong(2, write.revision());
          bindState(s, 3, write, now);
          s.addBatch();
        }
        record(stored, writes, inserted, s.executeBatch());
      }
    }
    if (!next.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(UPSERT_NEXT)) {
        for (int i : next) {
          s.setString(1, writes.get(i).persistenceId());
          bindState(s, 2, writes.get(i), now);
          try (ResultSet row = s.executeQuery()) {
            row.next();
            stored[i] = row.getLong(1);
          }
        }
      }
    }
    if (!updated.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(UPDATE)) {
        for (int i : updated) {
          Write write = writes.get(i);
          s.setLong(1, write.revision());
          bindState(s, 2, write, now);
          s.setString(7, write.persistenceId());
          s.setLong(8, write.revision() - 1);
          s.addBatch();
        }
        record(stored, writes, updated, s.executeBatch());
      }
    }
    removeWhatTheAppliedReleased(c, writes, stored);
    return stored;
  }

  /**
   * Takes over the rows {@code persistenceIds} on {@code c}, inside its open transaction (or in
   * autocommit for one row): a round trip each, as each returns its row. The caller commits. With
   * {@code alone} (nothing else in the transaction), its commit does not wait for the WAL's flush.
   */
  TakenOver[] takeOver(Connection c, List<String> persistenceIds, boolean alone) throws SQLException {
    TakenOver[] taken = new TakenOver[persistenceIds.size()];
    long now = System.currentTimeMillis();
    try (PreparedStatement s = c.prepareStatement(alone ? TAKE_OVER_NOT_WAITING_FOR_FLUSH : TAKE_OVER)) {
      for (int i = 0; i < taken.length; i++) {
        s.setString(1, persistenceIds.get(i));
        bindState(s, 2, DurableStateManifestBackend.TOMBSTONE, SyncTag.DELETED, now);
        try (ResultSet row = s.executeQuery()) {
          row.next();
          byte[] stored = row.getBytes(2);
          Object payload = serialization.deserialize(stored, row.getInt(3), manifestOrEmpty(row.getString(4))).get();
          taken[i] = new TakenOver(row.getLong(1), (byte[]) payload);
        }
      }
    }
    return taken;
  }

  private static String manifestOrEmpty(String manifest) {
    return manifest == null ? "" : manifest;
  }

  /**
   * Whether {@link #write} runs {@code writes} as one statement: a single row, with no removed
   * chunks nor remote version to delete after it.
   */
  static boolean isOneStatement(List<Write> writes) {
    if (writes.size() != 1) {
      return false;
    }
    Write write = writes.get(0);
    return write.removedChunkIds().isEmpty() && !write.forgetsRemoteVersion();
  }

  /** Binds payload, serializer id, manifest, tag and timestamp from parameter {@code first} on. */
  private void bindState(PreparedStatement s, int first, Write write, long now) throws SQLException {
    bindState(s, first, write.payload(), write.tag(), now);
  }

  private void bindState(PreparedStatement s, int first, byte[] payload, String tag, long now) throws SQLException {
    Serializer serializer = serialization.findSerializerFor(payload);
    String manifest = Serializers.manifestFor(serializer, payload);
    s.setBytes(first, serialization.serialize(payload).get());
    s.setInt(first + 1, serializer.identifier());
    if (manifest.isBlank()) {
      s.setNull(first + 2, Types.VARCHAR); // as the plugin stores an empty manifest
    } else {
      s.setString(first + 2, manifest);
    }
    if (tag == null || tag.isBlank()) {
      s.setNull(first + 3, Types.VARCHAR);
    } else {
      s.setString(first + 3, tag);
    }
    s.setLong(first + 4, now);
  }

  private static void record(long[] stored, List<Write> writes, List<Integer> indexes, int[] counts) {
    for (int k = 0; k < indexes.size(); k++) {
      int i = indexes.get(k);
      // one row per statement if applied; pgjdbc reports the count of each
      stored[i] = counts[k] == 1 ? writes.get(i).revision() : 0;
    }
  }

  private static void removeWhatTheAppliedReleased(Connection c, List<Write> writes, long[] stored)
      throws SQLException {
    if (isOneStatement(writes)) {
      return; // nothing to remove (and nothing to prepare)
    }
    boolean chunks = false;
    boolean remoteVersions = false;
    try (PreparedStatement deleteChunks = c.prepareStatement(ClusterTables.DELETE_CHUNKS);
        PreparedStatement forget = c.prepareStatement(ClusterTables.DELETE_REMOTE_VERSION)) {
      for (int i = 0; i < writes.size(); i++) {
        Write write = writes.get(i);
        if (stored[i] == 0) {
          continue;
        }
        if (!write.removedChunkIds().isEmpty()) {
          deleteChunks.setString(1, write.workspaceId());
          deleteChunks.setArray(2, ClusterTables.uuids(c, write.removedChunkIds()));
          deleteChunks.addBatch();
          chunks = true;
        }
        if (write.forgetsRemoteVersion()) {
          forget.setString(1, write.persistenceId());
          forget.addBatch();
          remoteVersions = true;
        }
      }
      if (chunks) {
        deleteChunks.executeBatch();
      }
      if (remoteVersions) {
        forget.executeBatch();
      }
    }
  }
}
