package dev.stowage.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL the cluster tests use: {@code -Dstowage.test.pg.url/user/password} or the
 * environment ({@code STOWAGE_PG_URL}, {@code STOWAGE_PG_USER}, {@code STOWAGE_PG_PASSWORD}), with
 * defaults matching {@code .ci/postgres.sh}. Not reachable: the tests fail, saying what to run.
 */
final class TestPostgres {
  static final String URL = setting("stowage.test.pg.url", "STOWAGE_PG_URL",
      "jdbc:postgresql://127.0.0.1:5432/" + setting("stowage.test.pg.db", "STOWAGE_PG_DB", "stowage_test"));
  static final String USER = setting("stowage.test.pg.user", "STOWAGE_PG_USER", "stowage");
  static final String PASSWORD = setting("stowage.test.pg.password", "STOWAGE_PG_PASSWORD", "stowage");

  private TestPostgres() {}

  /** Fails with the way out if the database cannot be reached. */
  static void requireReachable() {
    try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
      connection.isValid(5);
    } catch (SQLException e) {
      throw new AssertionError("The cluster-mode tests need PostgreSQL at " + URL + " (user " + USER + "), which"
          + " is not reachable: " + e.getMessage() + ".\nRun `bash .ci/postgres.sh` once (as root or with sudo):"
          + " it installs PostgreSQL if missing, starts it on 127.0.0.1 and creates the role and database."
          + " Another server: -Dstowage.test.pg.url=... -Dstowage.test.pg.user=... -Dstowage.test.pg.password=...", e);
    }
  }

  /** Configuration of a cluster-mode node using this database. */
  static String config() {
    return "jdbc-durable-state-store.slick.db { url = \"" + URL + "\", user = \"" + USER + "\", password = \""
        + PASSWORD + "\" }\n";
  }

  private static String setting(String property, String env, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(env);
    }
    return value == null || value.isBlank() ? fallback : value;
  }
}
