package dev.stowage.app.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.app.AppConfig;
import dev.stowage.app.CliError;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The PostgreSQL of {@code stowage demo --cluster N}: the configured one, or else an embedded one
 * started for the run.
 *
 * <p>A database set in the configuration ({@value dev.stowage.app.AppConfig#CLUSTER_DATABASE_URL} in a {@code --config} file, or as a
 * {@code -D} system property) is used as it is, as a real deployment's would be. Set nowhere, the
 * key holds only the library's default from {@code reference.conf}, and the demo starts an embedded
 * PostgreSQL (zonky's server, from binaries inside a Maven artifact: nothing to install, no root) on
 * a free loopback port, its data in a new temporary directory. {@link #close}, called once the nodes
 * are gone, stops it and deletes the directory; if the JVM exits first (Ctrl-C), the library's
 * shutdown hook does the same. What the run stored goes with it: each run starts from an empty
 * database.
 *
 * <p>The library starts its server without durability ({@code synchronous_commit=off}, and {@code
 * -F}: no fsync). What the demo shows is what Stowage's commits guarantee, so both are turned back
 * on ({@link #DURABILITY}).
 */
final class DemoDatabase implements AutoCloseable {
  /** Server settings of the embedded server, each overriding the library's default. */
  static final Map<String, String> DURABILITY = Map.of("synchronous_commit", "on", "fsync", "on");

  private final Config config;
  /** The server this run started; null when the configured database is used. */
  private final EmbeddedPostgres embedded;

  private DemoDatabase(Config config, EmbeddedPostgres embedded) {
    this.config = config;
    this.embedded = embedded;
  }

  /** The configured database of {@code config}, or an embedded one started now if none is configured. */
  static DemoDatabase open(Config config) {
    if (AppConfig.clusterDatabaseConfigured(config)) {
      return new DemoDatabase(config, null);
    }
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
    DURABILITY.forEach(builder::setServerConfig);
    EmbeddedPostgres server;
    try {
      server = builder.start();
    } catch (IOException | RuntimeException e) {
      throw new CliError("could not start an embedded PostgreSQL for the cluster demo: " + e.getMessage()
          + " (or name a database: " + AppConfig.CLUSTER_DATABASE_URL + ", user and password in --config)", e);
    }
    Config database = ConfigFactory.parseString("jdbc-durable-state-store.slick.db { url = \"jdbc:postgresql://"
        + "127.0.0.1:" + server.getPort() + "/postgres\", user = postgres, password = \"\" }\n");
    return new DemoDatabase(database.withFallback(config), server);
  }

  /** The configuration the nodes run on: the given one, with the embedded server's coordinates if one was started. */
  Config config() {
    return config;
  }

  /** What the summary says about the database. */
  @Override
  public String toString() {
    return embedded == null
        ? "the configured PostgreSQL, " + AppConfig.shownUrl(config.getString(AppConfig.CLUSTER_DATABASE_URL))
        : "an embedded PostgreSQL on 127.0.0.1:" + embedded.getPort() + ", started for this run and removed after it"
            + " (none configured: " + AppConfig.CLUSTER_DATABASE_URL + ")";
  }

  /** Stops the embedded server and deletes its data; nothing for a configured database. */
  @Override
  public void close() {
    if (embedded == null) {
      return;
    }
    try {
      embedded.close();
    } catch (IOException e) {
      throw new UncheckedIOException("could not stop the demo's embedded PostgreSQL", e);
    }
  }
}
