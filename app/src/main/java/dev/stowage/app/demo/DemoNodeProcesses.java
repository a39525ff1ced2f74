package dev.stowage.app.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import dev.stowage.app.CliError;
import dev.stowage.app.node.NodeProcess;
import dev.stowage.cluster.loopback.LoopbackCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The nodes of {@code stowage demo --cluster N --processes} beyond the demo's own: N-1 {@code
 * stowage node} processes on 127.0.0.1, each with its own folder ({@code DIR/node-i}, where its
 * standard error goes to {@code node.log}), joining the demo's node and serving the workspace. The
 * demo's workload goes through its own node; Cluster Sharding spreads the entities over all N.
 */
final class DemoNodeProcesses implements AutoCloseable {
  private static final Duration STARTING = Duration.ofMinutes(2);

  private final List<NodeProcess> nodes;

  private DemoNodeProcesses(List<NodeProcess> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts {@code count} node processes, node {@code i} (from 1) in {@code folders.get(i)}, with
   * {@code seed} (HOST:PORT of the demo's node) as their seed, and waits until each has opened the
   * workspace.
   */
  static DemoNodeProcesses start(int count, String seed, List<Path> folders, Config database, Path configFile,
      Path keyFile, String workspace) throws IOException, InterruptedException {
    Path nodeConfig = folders.get(0).resolve("node.conf");
    Files.writeString(nodeConfig, (configFile == null ? "" : "include file(\"" + configFile.toAbsolutePath() + "\")\n")
        + "jdbc-durable-state-store.slick.db = " + database.getConfig("jdbc-durable-state-store.slick.db").root()
            .render(ConfigRenderOptions.concise()) + "\n");
    List<NodeProcess> nodes = new ArrayList<>();
    DemoNodeProcesses processes = new DemoNodeProcesses(nodes);
    try {
      for (int i = 1; i <= count; i++) {
        Path folder = folders.get(i);
        nodes.add(NodeProcess.start("node-" + i, LoopbackCluster.freeLoopbackPort(), List.of(), List.of("--config", nodeConfig.toString(),
            "--key-file", keyFile.toString(), "--dir", folder.toString(), "--system", DemoCluster.SYSTEM_NAME,
            "--workspace", workspace, "--seed", seed), folder.resolve("node.log")));
      }
      for (NodeProcess node : nodes) {
        try {
          node.awaitReady(STARTING);
        } catch (TimeoutException e) {
          throw new CliError("cluster node " + node.name() + " did not start: " + e.getMessage() + " (its log: "
              + folders.get(nodes.indexOf(node) + 1).resolve("node.log") + ")", e);
        }
      }
      return processes;
    } catch (IOException | InterruptedException | RuntimeException e) {
      processes.close();
      throw e;
    }
  }

  /** The manifest entities each node process hosts now, in node order. */
  List<Integer> hosted() throws IOException, InterruptedException, TimeoutException {
    List<Integer> hosted = new ArrayList<>();
    for (NodeProcess node : nodes) {
      hosted.add(node.hosted(STARTING));
    }
    return hosted;
  }

  /** Each node leaves the cluster and exits, one after the other (each closes its workspace first). */
  @Override
  public void close() throws InterruptedException {
    for (NodeProcess node : nodes) {
      node.close();
    }
  }
}
