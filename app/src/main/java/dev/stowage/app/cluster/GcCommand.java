package dev.stowage.app.cluster;

import com.typesafe.config.Config;
import dev.stowage.app.CliError;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.WorkspaceOptions;
import dev.stowage.cluster.OrphanChunks;
import dev.stowage.storage.LocalKey;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
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
        + "of jdbc-durable-state-store.slick.db in the configuration (--config).")
public final class GcCommand implements Callable<Integer> {
  @Mixin WorkspaceOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--grace", paramLabel = "DURATION",
      description = "Only chunks older than this (default: stowage.cluster.orphan-grace), e.g. PT1H, PT10M.")
  Duration grace;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    String workspace = options.workspaceOr(null);
    if (workspace == null) {
      throw new CliError("--workspace is required: gc collects one workspace");
    }
    if (grace != null && grace.isNegative()) {
      throw new CliError("--grace must not be negative, got " + grace);
    }
    Config config = options.config();
    LocalKey key = options.loadKey(options.settings().baseDir());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "stowage-gc", config);
    try {
      OrphanChunks.Result result = (grace == null
          ? OrphanChunks.collect(system, workspace, key)
          : OrphanChunks.collect(system, workspace, key, grace)).toCompletableFuture().get(5, TimeUnit.MINUTES);
      out.printf("gc: workspace '%s': %d manifests reference %d chunks; %d chunks older than the grace period, "
          + "%d deleted%n", workspace, result.manifests(), result.referencedChunks(), result.candidates(), result.deleted());
      out.flush();
      return ExitCodes.OK;
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
