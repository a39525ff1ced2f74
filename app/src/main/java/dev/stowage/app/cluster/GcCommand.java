package dev.stowage.app.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stowage.app.AppConfig;
import dev.stowage.app.CliError;
import dev.stowage.app.ConfigOption;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.app.check.LocalOrphanChunks;
import dev.stowage.cluster.ClusterSettings;
import dev.stowage.cluster.OrphanChunks;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.LocalKey;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code stowage gc}: deletes a workspace's orphan chunks, the chunks no stored manifest references.
 * With {@code --dir}, of a local workspace, offline ({@link LocalOrphanChunks}); without, of a
 * cluster-mode workspace in PostgreSQL ({@link OrphanChunks}), as before local mode had one.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
    header = "Delete the chunks no stored manifest references (left by a crash): local with --dir, else cluster mode.",
    description = "Deletes the chunks of workspace ID that no stored manifest references, uploaded or not, and that "
        + "are older than the grace period (--grace). A caller writes a chunk before the manifest that references "
        + "it, so one that stops in between leaves the chunk behind: an orphan, which holds nothing a file needs. "
        + "The grace period keeps the chunks whose manifest may still come.%n%n"
        + "Local mode, with --dir DIR: on workspace DIR/ID, offline like fsck: it must not be open in a running "
        + "program (gc refuses it). The grace period defaults to stowage.orphan-grace; a chunk's age is from the "
        + "write time Stowage records with it, and chunks written before it recorded one count as older than any "
        + "grace. If a manifest does not read, nothing is deleted (run fsck --repair first). fsck counts the orphan "
        + "chunks.%n%n"
        + "Cluster mode, without --dir: a flush deletes its removed chunks right after the manifest commits, so a "
        + "crash in between also leaves orphan chunks (never a dangling reference). The grace period defaults to "
        + "stowage.cluster.orphan-grace. The database is the one of jdbc-durable-state-store.slick.db in the "
        + "configuration (--config); gc connects to it first, with a timeout of " + GcCommand.PROBE_TIMEOUT_SECONDS
        + " s, and exits 3 naming the URL if it cannot.")
public final class GcCommand implements Callable<Integer> {
  /** The grace period of local mode's gc. */
  static final String LOCAL_GRACE_KEY = "stowage.orphan-grace";

  /** How long gc waits to reach the database before it gives up (connect and log in, each). */
  static final int PROBE_TIMEOUT_SECONDS = 5;

  @Mixin ConfigOption options;
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Local mode: the directory holding the workspace (as fsck's --dir). Without it, gc works on "
          + "cluster mode's PostgreSQL.")
  Path dir;

  @Option(names = "--workspace", paramLabel = "ID", required = true,
      description = "The workspace whose orphan chunks to delete.")
  String workspace;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "Key file of the workspace: gc decrypts its manifests to learn which chunks they reference "
          + "(default: DIR/" + KeyFileOption.KEY_FILE_NAME + " with --dir, else " + KeyFileOption.KEY_FILE_NAME
          + " in stowage.base-dir of the configuration, where demo --cluster writes it).")
  Path keyFile;

  @Option(names = "--grace", paramLabel = "DURATION",
      description = "Only chunks older than this (default: " + LOCAL_GRACE_KEY + " with --dir, else "
          + "stowage.cluster.orphan-grace), e.g. PT1H, PT10M, PT0S.")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (grace != null && grace.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--grace must not be negative, got " + grace);
    }
    if (dir != null) {
      return local(out);
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

  /** Local mode: the orphan chunks of {@code DIR/ID}, offline. */
  private int local(PrintWriter out) {
    Duration chosen = grace != null ? grace : localGrace(options.config());
    if (!Files.isDirectory(dir)) {
      throw new CliError("no such directory: " + dir);
    }
    Path workspaceDir = dir.resolve(workspace);
    if (!Files.isRegularFile(workspaceDir.resolve(DatabaseKind.DATA.fileName()))) {
      throw new CliError("no workspace '" + workspace + "' in " + dir + " (a workspace is a directory holding "
          + DatabaseKind.DATA.fileName() + "; without --dir, gc works on cluster mode's PostgreSQL)");
    }
    LocalKey key = KeyFileOption.read(keyFile != null ? keyFile : dir.resolve(KeyFileOption.KEY_FILE_NAME));
    LocalOrphanChunks.Result result =
        LocalOrphanChunks.collect(workspaceDir, new BlobCipher(key), Instant.now().minus(chosen));
    out.printf("gc: workspace '%s' in %s: %d manifests reference %d chunks; %d orphan chunks: %d older than the grace "
        + "period (%s) deleted, %d younger kept%n", workspace, dir, result.manifests(), result.referencedChunks(),
        result.orphans(), result.deleted(), chosen, result.young());
    if (result.undated() > 0) {
      out.printf("  %d of the deleted had no write time (written before Stowage recorded one): they count as older "
          + "than any grace period%n", result.undated());
    }
    if (result.young() > 0) {
      out.printf("  the %d younger ones may still get their manifest; gc deletes them once they are older than %s%n",
          result.young(), chosen);
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static Duration localGrace(Config config) {
    Duration configured;
    try {
      configured = config.getDuration(LOCAL_GRACE_KEY);
    } catch (ConfigException e) {
      throw new CliError("invalid configuration: " + e.getMessage(), e);
    }
    if (configured.isNegative()) {
      throw new CliError("invalid configuration: " + LOCAL_GRACE_KEY + " must not be negative, got " + configured);
    }
    return configured;
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
