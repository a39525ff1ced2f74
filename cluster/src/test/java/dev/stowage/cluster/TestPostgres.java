package dev.stowage.cluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The PostgreSQL the cluster-mode tests use (those of the app and bench modules too, through this
 * module's test-jar), one per test JVM, shared by every test class in it.
 *
 * <p>A configured server wins: {@code -Dstowage.test.pg.url/user/password}, or the environment
 * ({@code STOWAGE_PG_URL}, {@code STOWAGE_PG_USER}, {@code STOWAGE_PG_PASSWORD}); user and password
 * default to {@code stowage}. Not reachable: the tests fail (they are not skipped), saying so.
 *
 * <p>With no URL configured, an embedded PostgreSQL (zonky's {@link EmbeddedPostgres}, binaries from
 * a Maven artifact, nothing to install, no root) is started on the first use, on a free loopback
 * port, in a temporary data directory. Its superuser {@code postgres} with database {@code postgres}
 * is the tests' database. The library's shutdown hook stops it and deletes the directory when the
 * JVM exits. The library turns durability off by default ({@code synchronous_commit=off}, and the
 * server is started with {@code -F}, no fsync); Stowage's guarantees are about what a commit means,
 * so both are turned back on ({@link #EMBEDDED_DURABILITY}, checked by {@code TestPostgresTest}).
 */
public final class TestPostgres {
  /** The server settings the embedded server is started with, each overriding the library's default. */
  static final Map<String, String> EMBEDDED_DURABILITY = Map.of("synchronous_commit", "on", "fsync", "on");

  /** Where the tests' database is, and whether this JVM started it. */
  private record Database(String url, String user, String password, Path embeddedDataDir) {}

  private static Database database;

  private TestPostgres() {}

  /** Whether a PostgreSQL is configured for the tests; if not, they use an embedded one. */
  public static boolean configured() {
    return setting("stowage.test.pg.url", "STOWAGE_PG_URL", null) != null;
  }

  /**
   * The tests' database: the configured one, or the embedded one, started on the first call. Fails
   * with the way out if a configured one cannot be reached.
   */
  private static synchronized Database database() {
    if (database == null) {
      String url = setting("stowage.test.pg.url", "STOWAGE_PG_URL", null);
      database = url == null ? startEmbedded()
          : new Database(url, setting("stowage.test.pg.user", "STOWAGE_PG_USER", "stowage"),
              setting("stowage.test.pg.password", "STOWAGE_PG_PASSWORD", "stowage"), null);
    }
    return database;
  }

  private static Database startEmbedded() {
    try {
      Path dataDir = Files.createTempDirectory("stowage-test-pg-");
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDir);
      EMBEDDED_DURABILITY.forEach(builder::setServerConfig);
      EmbeddedPostgres server = builder.start();
      System.err.println("TestPostgres: no PostgreSQL configured (-Dstowage.test.pg.url, STOWAGE_PG_URL):"
          + " started an embedded one on 127.0.0.1:" + server.getPort() + " for this JVM");
      return new Database("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres", "postgres", "", dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL of the tests (or configure one:"
          + " -Dstowage.test.pg.url/user/password)", e);
    }
  }

  /** Fails with the way out if the database cannot be reached; starts the embedded one if it is meant. */
  public static void requireReachable() {
    try (Connection connection = connect()) {
      connection.isValid(5);
    } catch (SQLException e) {
      throw new AssertionError("The cluster-mode tests need PostgreSQL at " + url() + " (user " + user()
          + "), which is not reachable: " + e.getMessage() + "\nWithout -Dstowage.test.pg.url (or STOWAGE_PG_URL)"
          + " they start an embedded one; with it, it must be reachable with -Dstowage.test.pg.user/password"
          + " (or STOWAGE_PG_USER, STOWAGE_PG_PASSWORD).", e);
    }
  }

  /** A new connection to the tests' database. */
  public static Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), user(), password());
  }

  /** The value of a server setting as {@code SHOW} gives it, e.g. {@code show(db, "fsync")} is "on". */
  public static String show(Connection db, String setting) throws SQLException {
    try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery("SHOW " + setting)) {
      row.next();
      return row.getString(1);
    }
  }

  public static String url() {
    return database().url();
  }

  public static String user() {
    return database().user();
  }

  public static String password() {
    return database().password();
  }

  /** The data directory of the embedded server, or null if the tests use a configured one. */
  static Path embeddedDataDir() {
    return database().embeddedDataDir();
  }

  /** Configuration of a cluster-mode node using this database. */
  public static String config() {
    return config(url());
  }

  private static String config(String url) {
    return "jdbc-durable-state-store.slick.db { url = \"" + url + "\", user = \"" + user() + "\", password = \""
        + password() + "\" }\n";
  }

  /** The host and port of {@link #url()}. */
  static InetSocketAddress address() {
    URI uri = URI.create(url().substring("jdbc:".length()));
    return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort());
  }

  /** {@link #config()} through another port on 127.0.0.1 (a {@link CuttableLink} to the database). */
  static String configVia(int port) {
    InetSocketAddress address = address();
    return config(url().replace("//" + address.getHostString() + ":" + address.getPort(), "//127.0.0.1:" + port));
  }

  private static String setting(String property, String env, String fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      value = System.getenv(env);
    }
    return value == null || value.isBlank() ? fallback : value;
  }
}
