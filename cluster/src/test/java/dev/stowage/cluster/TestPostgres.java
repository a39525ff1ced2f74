package dev.stowage.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

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

  private static boolean startAttempted;

  /**
   * Fails with the way out if the database cannot be reached. The first time it is not, and the
   * default local database is meant, runs the project's {@code .ci/postgres.sh} (which installs,
   * starts and sets it up), so that {@code mvn -B verify} works on a fresh machine by itself.
   */
  static synchronized void requireReachable() {
    try {
      connect();
    } catch (SQLException first) {
      if (startAttempted || !startLocalPostgres()) {
        throw unreachable(first);
      }
      try {
        connect();
      } catch (SQLException e) {
        throw unreachable(e);
      }
    }
  }

  private static void connect() throws SQLException {
    try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
      connection.isValid(5);
    }
  }

  /** Runs {@code .ci/postgres.sh} of this checkout if the default local database is meant. */
  private static boolean startLocalPostgres() {
    startAttempted = true;
    Path script = Path.of("..", ".ci", "postgres.sh").toAbsolutePath().normalize();
    if (!URL.startsWith("jdbc:postgresql://127.0.0.1:") || !Files.isRegularFile(script)) {
      return false;
    }
    System.err.println("PostgreSQL is not reachable at " + URL + ": running " + script.getFileName() + " to start it");
    try {
      Process process = new ProcessBuilder("bash", script.toString()).inheritIO().start();
      return process.waitFor(10, TimeUnit.MINUTES) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static AssertionError unreachable(SQLException e) {
    return new AssertionError("The cluster-mode tests need PostgreSQL at " + URL + " (user " + USER + "), which"
        + " is not reachable: " + e.getMessage() + ".\nRun `bash .ci/postgres.sh` once (as root or with sudo):"
        + " it installs PostgreSQL if missing, starts it on 127.0.0.1 and creates the role and database."
        + " Another server: -Dstowage.test.pg.url=... -Dstowage.test.pg.user=... -Dstowage.test.pg.password=...", e);
  }

  /** Configuration of a cluster-mode node using this database. */
  static String config() {
    return config(URL);
  }

  private static String config(String url) {
    return "jdbc-durable-state-store.slick.db { url = \"" + url + "\", user = \"" + USER + "\", password = \""
        + PASSWORD + "\" }\n";
  }

  /** The host and port of {@link #URL}. */
  static InetSocketAddress address() {
    URI uri = URI.create(URL.substring("jdbc:".length()));
    return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
  }

  /** {@link #config()} through another port on 127.0.0.1 (a {@link CuttableLink} to the database). */
  static String configVia(int port) {
    InetSocketAddress address = address();
    return config(URL.replace("//" + address.getHostString() + ":" + address.getPort(), "//127.0.0.1:" + port));
  }

  private static String setting(String property, String env, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(env);
    }
    return value == null || value.isBlank() ? fallback : value;
  }
}
