package dev.stowage.storage;

import java.util.List;

/**
 * The tables of each database and their migrations. {@code PRAGMA user_version} holds the number
 * of migrations applied; opening runs the missing ones in one transaction and refuses a file whose
 * version is newer than {@link #latest(DatabaseKind)}.
 *
 * <p>Append migrations, never edit one that has shipped.
 */
final class Schema {
  private Schema() {}

  /** The prevent-sync pattern a new workspace starts with: matches nothing. */
  static final String DEFAULT_PREVENT_SYNC_PATTERN = "^\\b$";

  private static final String CHUNKS =
      "CREATE TABLE chunks (chunk_id BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL,"
          + " offline INTEGER NOT NULL, accessed_on REAL, data BLOB NOT NULL)";
  private static final String KEY_CHECK =
      "CREATE TABLE key_check (_id INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL)";

  private static final List<List<String>> DATA =
      List.of(
          List.of(
              "CREATE TABLE vlobs (vlob_id BLOB PRIMARY KEY NOT NULL, base_version INTEGER NOT NULL,"
                  + " remote_version INTEGER NOT NULL, need_sync INTEGER NOT NULL, blob BLOB NOT NULL)",
              // Partial indexes: need-sync queries touch only the rows they return.
              "CREATE INDEX vlobs_local_need_sync ON vlobs (vlob_id) WHERE need_sync = 1",
              "CREATE INDEX vlobs_remote_need_sync ON vlobs (vlob_id) WHERE base_version != remote_version",
              "CREATE TABLE realm_checkpoint (_id INTEGER PRIMARY KEY NOT NULL, checkpoint INTEGER NOT NULL)",
              "CREATE TABLE prevent_sync_pattern (_id INTEGER PRIMARY KEY NOT NULL, pattern TEXT NOT NULL,"
                  + " fully_applied INTEGER NOT NULL)",
              "INSERT INTO prevent_sync_pattern (_id, pattern, fully_applied) VALUES (0, '"
                  + DEFAULT_PREVENT_SYNC_PATTERN + "', 0)",
              CHUNKS,
              KEY_CHECK),
          // 2 (issue 16): where fsck --repair moves what it cannot read, with the original bytes.
          List.of(
              "CREATE TABLE quarantine (_id INTEGER PRIMARY KEY NOT NULL, kind TEXT NOT NULL,"
                  + " row_id BLOB NOT NULL, reason TEXT NOT NULL, quarantined_at INTEGER NOT NULL,"
                  + " base_version INTEGER, remote_version INTEGER, need_sync INTEGER, size INTEGER,"
                  + " fetch_again INTEGER NOT NULL, data BLOB NOT NULL)",
              "CREATE INDEX quarantine_fetch_again ON quarantine (row_id) WHERE fetch_again = 1"));

  private static final List<List<String>> CACHE =
      List.of(
          List.of(CHUNKS, "CREATE INDEX chunks_accessed_on ON chunks (accessed_on)", KEY_CHECK),
          // 2 (issue 25): the block limit the host runs with, so that fsck and inspect judge the
          // cache by the workspace's own setting (BlockLimitTable). Empty until a host opens it.
          List.of("CREATE TABLE block_limit (_id INTEGER PRIMARY KEY NOT NULL, blocks INTEGER NOT NULL,"
              + " recorded_at INTEGER NOT NULL)"));

  static List<List<String>> migrations(DatabaseKind kind) {
    return kind == DatabaseKind.DATA ? DATA : CACHE;
  }

  static int latest(DatabaseKind kind) {
    return migrations(kind).size();
  }
}
