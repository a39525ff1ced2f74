package dev.stowage.bench.targets;

import dev.stowage.storage.Durability;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * The SQL of the baseline systems: the same tables, indexes and pragmas as Stowage's storage layer
 * ({@code data_v1.sqlite}: {@code vlobs} and {@code chunks}; {@code cache_v1.sqlite}: {@code chunks}
 * with its recency index and {@code auto_vacuum = FULL}), so that every system writes the same rows
 * under the same durability. One place, so the baselines cannot drift apart.
 */
final class BenchSql {
  private BenchSql() {}

  static final String DATA_FILE = "data_v1.sqlite";
  static final String CACHE_FILE = "cache_v1.sqlite";

  private static final String CREATE_VLOBS =
      "CREATE TABLE vlobs (vlob_id BLOB PRIMARY KEY NOT NULL, base_version INTEGER NOT NULL,"
          + " remote_version INTEGER NOT NULL, need_sync INTEGER NOT NULL, blob BLOB NOT NULL)";
  private static final String CREATE_CHUNKS =
      "CREATE TABLE chunks (chunk_id BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL,"
          + " offline INTEGER NOT NULL, accessed_on REAL, data BLOB NOT NULL)";
  private static final String CREATE_RECENCY_INDEX = "CREATE INDEX chunks_accessed_on ON chunks (accessed_on)";

  static final String PUT_VLOB =
      "INSERT INTO vlobs (vlob_id, base_version, remote_version, need_sync, blob) VALUES (?, ?, ?, ?, ?)"
          + " ON CONFLICT (vlob_id) DO UPDATE SET base_version = excluded.base_version,"
          + " remote_version = max(remote_version, excluded.base_version),"
          + " need_sync = excluded.need_sync, blob = excluded.blob";
  static final String GET_VLOB = "SELECT blob FROM vlobs WHERE vlob_id = ?";
  static final String PUT_CHUNK =
      "INSERT INTO chunks (chunk_id, size, offline, accessed_on, data) VALUES (?, ?, 0, ?, ?)"
          + " ON CONFLICT (chunk_id) DO UPDATE SET size = excluded.size, accessed_on = excluded.accessed_on,"
          + " data = excluded.data";
  static final String GET_CHUNK = "SELECT data FROM chunks WHERE chunk_id = ?";
  static final String DELETE_CHUNK = "DELETE FROM chunks WHERE chunk_id = ?";
  static final String TOUCH_CHUNK = "UPDATE chunks SET accessed_on = ? WHERE chunk_id = ?";
  static final String COUNT_CHUNKS = "SELECT count(*) FROM chunks";
  static final String EVICT_CHUNKS =
      "DELETE FROM chunks WHERE chunk_id IN (SELECT chunk_id FROM chunks ORDER BY accessed_on ASC LIMIT ?)";

  /** Opens (creating) the data database of {@code dir}: WAL, {@code synchronous} from durability. */
  static Connection openData(Path dir, Durability durability) throws SQLException {
    Connection c = open(dir.resolve(DATA_FILE), durability, false);
    run(c, CREATE_VLOBS, CREATE_CHUNKS);
    return c;
  }

  /** Opens (creating) the cache database of {@code dir}, with {@code auto_vacuum = FULL}. */
  static Connection openCache(Path dir, Durability durability) throws SQLException {
    Connection c = open(dir.resolve(CACHE_FILE), durability, true);
    run(c, CREATE_CHUNKS, CREATE_RECENCY_INDEX);
    return c;
  }

  /** Leaves the connection in manual-commit mode: the caller commits. */
  private static Connection open(Path file, Durability durability, boolean autoVacuum) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    // As Stowage's storage layer: otherwise every INSERT keeps "SELECT last_insert_rowid()" open,
    // a wasted query per write and an active statement that makes VACUUM fail.
    config.setGetGeneratedKeys(false);
    Connection c = config.createConnection("jdbc:sqlite:" + file);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA locking_mode = EXCLUSIVE");
      if (autoVacuum) {
        s.execute("PRAGMA auto_vacuum = FULL");
      }
      s.execute("PRAGMA journal_mode = WAL");
      s.execute("PRAGMA synchronous = " + durability.name());
      s.execute("PRAGMA journal_size_limit = " + (64L << 20));
      s.execute("PRAGMA temp_store = MEMORY");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    c.setAutoCommit(false);
    return c;
  }

  private static void run(Connection c, String... ddl) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String statement : ddl) {
        s.execute(statement);
      }
    }
    c.commit();
  }

  /** VACUUM (outside any transaction), then checkpoint and truncate the WAL, like Stowage's runVacuum. */
  static void vacuum(Connection c) throws SQLException {
    c.commit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("VACUUM");
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
      c.setAutoCommit(false);
    }
  }
}
