package dev.stowage.app.cluster;

import com.typesafe.config.Config;
import dev.stowage.app.AppConfig;
import dev.stowage.app.CliError;
import dev.stowage.app.ConfigOption;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.cluster.ClusterSettings;
import dev.stowage.cluster.OrphanChunks;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage gc}: deletes a cluster-mode workspace's orphan chunks from PostgreSQL. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    header = "Cluster mode: delete chunks no stored manifest references (left by a crash).",
    description = "In cluster mode a flush deletes its removed chunks right after the manifest commits, so a crash "
        + "in between leaves orphan chunks (never a dangling reference). This deletes the chunks of the workspace "
        + "that no stored manifest references and that are older than the grace period. The database is the one "
        + "of jdbc-durable-state-store.slick.db in the configuration (--config); gc connects to it first, with a "
        + "timeout of " + GcCommand.PROBE_TIMEOUT_SECONDS + " s, and exits 3 naming the URL if it cannot.")
public final class GcCommand implements Callable<Integer> {
  /** How long gc waits to reach the database before it gives up (connect and log in, each). */
  static final int PROBE_TIMEOUT_SECONDS = 5;

  @Mixin ConfigOption options;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", required = true,
      description = "The workspace whose orphan chunks to delete.")
  String workspace;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "Key file of the workspace: gc decrypts its manifests to learn which chunks they reference "
          + "(default: " + KeyFileOption.KEY_FILE_NAME + " in stowage.base-dir of the configuration, where demo "
          + "--cluster writes it).")
  Path keyFile;

  @Option(names = "--grace", paramLabel = "DURATION",
      description = "Only chunks older than this (default: stowage.cluster.orphan-grace), e.g. PT1H, PT10M.")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (grace != null && grace.isNegative()) {
      throw new CliError("--grace must not be negative, got " + grace);
    }
    Config config = options.config();
    LocalKey key = KeyFileOption.read(keyFile != null ? keyFile
        : AppConfig.storageSettings(config).baseDir().resolve(KeyFileOption.KEY_FILE_NAME));
    ClusterSettings database = clusterSettings(config);
    probe(database, config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "stowage-gc", config);
    try {
      OrphanChunks.Result result;
      try {
        result = (grace == null
            ? OrphanChunks.collect(system, workspace, key)
            : OrphanChunks.collect(system, workspace, key, grace)).toCompletableFuture().get(5, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StorageFailedException failed) {
          throw new CliError(failed.getMessage() + " (the database at " + AppConfig.shownUrl(database.jdbcUrl())
              + ")", failed);
        }
        throw e;
      }
      out.printf("gc: workspace '%s': %d manifests reference %d chunks; %d chunks older than the grace period, "
          + "%d deleted%n", workspace, result.manifests(), result.referencedChunks(), result.candidates(), result.deleted());
      out.flush();
      return ExitCodes.OK;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static ClusterSettings clusterSettings(Config config) {
    try {
      return ClusterSettings.fromConfig(config);
    } catch (InvalidRequestException e) {
      throw new CliError("invalid configuration: " + e.getMessage(), e);
    }
  }

  /**
   * Connects once to the database, with a short timeout, before anything else: otherwise a missing
   * or unreachable database shows as the pool's "connection is not available" after its whole
   * {@code stowage.cluster.connection-timeout}, naming neither the URL nor what to do.
   */
  private static void probe(ClusterSettings database, Config config) {
    Properties properties = new Properties();
    properties.setProperty("user", database.user());
    properties.setProperty("password", database.password());
    properties.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS));
    properties.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS));
    try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), properties)) {
      connection.isValid(PROBE_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      String where = AppConfig.clusterDatabaseConfigured(config) ? ""
          : " (none is configured: this is the library's default)";
      throw new CliError("cannot connect to the cluster's PostgreSQL at " + AppConfig.shownUrl(database.jdbcUrl())
          + where + ": " + firstLine(e.getMessage()) + "; gc needs --config FILE naming it in jdbc-durable-state-store.slick.db"
          + " { url, user, password }", e);
    }
  }

  private static String firstLine(String message) {
    String text = String.valueOf(message).strip();
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end).strip();
  }
}
