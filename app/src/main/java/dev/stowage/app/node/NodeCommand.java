package dev.stowage.app.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.AppConfig;
import dev.stowage.app.CliError;
import dev.stowage.app.ConfigOption;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code stowage node}: one cluster-mode node as a process of its own, serving one workspace, as a
 * host application would run it on each machine. It joins the cluster of {@code --seed}, opens the
 * workspace, prints {@code ready <address>}, and then obeys the commands it reads on its standard
 * input ({@link NodeControl}), one per line, until {@code quit} or the end of its input (its
 * parent died): then it leaves the cluster and exits. If the cluster downs it (the split-brain
 * resolver, on the minority side of a partition), Pekko terminates its ActorSystem; it prints
 * {@code terminated} and exits with 3.
 *
 * <p>With {@code --history}, at {@code start-load} it runs a load of reads, durable and cache-only writes and ensures on
 * {@code --keys} keys shared by every node ({@link NodeLoad}), and records every call, invoked and
 * answered, in that file ({@link NodeHistory}), for a checker to read after the run.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = {"Run one cluster-mode node (stowage.mode = cluster) serving a workspace, as its own process.",
        "Reads commands on standard input, one per line: help lists them. Ends at 'quit' or the end of input."})
public final class NodeCommand implements Callable<Integer> {
  private static final Duration JOINING = Duration.ofMinutes(2);

  @Spec CommandSpec spec;

  @Mixin ConfigOption config;

  @Option(names = "--dir", paramLabel = "DIR", required = true,
      description = "This node's directory (its block cache); one per node.")
  Path dir;

  @Option(names = "--key-file", paramLabel = "FILE", required = true,
      description = "The workspace key, the same file for every node.")
  Path keyFile;

  @Option(names = "--workspace", paramLabel = "NAME", defaultValue = "cluster",
      description = "The workspace this node serves (default: ${DEFAULT-VALUE}).")
  String workspace;

  @Option(names = "--system", paramLabel = "NAME", defaultValue = "stowage",
      description = "The cluster's ActorSystem name, the same on every node (default: ${DEFAULT-VALUE}).")
  String systemName;

  @Option(names = "--port", paramLabel = "PORT", required = true, description = "This node's port on 127.0.0.1.")
  int port;

  @Option(names = "--seed", paramLabel = "HOST:PORT",
      description = "A seed node's address (repeatable); none: this node is the first, its own seed.")
  List<String> seeds = new ArrayList<>();

  @Option(names = "--test-transport",
      description = "Run Artery's test transport, which lets 'partition' and 'heal' drop this node's traffic to others.")
  boolean testTransport;

  @Option(names = "--history", paramLabel = "FILE",
      description = "Run a load on the shared keys and record every call in FILE (appended).")
  Path history;

  @Option(names = "--node-index", paramLabel = "N", defaultValue = "0",
      description = "This node's number, which makes its written values unique (default: ${DEFAULT-VALUE}).")
  int nodeIndex;

  @Option(names = "--incarnation", paramLabel = "N", defaultValue = "0",
      description = "How many times this node number was started before in the same run: with --node-index, it makes"
          + " the written values unique (default: ${DEFAULT-VALUE}).")
  int incarnation;

  @Option(names = "--keys", paramLabel = "N", defaultValue = "24",
      description = "Keys of the load, shared by every node (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--writers", paramLabel = "N", defaultValue = "3",
      description = "Concurrent callers of the load on this node (default: ${DEFAULT-VALUE}).")
  int writers;

  @Option(names = "--pause-ms", paramLabel = "MS", defaultValue = "4",
      description = "Each caller's pause between two calls, in milliseconds (default: ${DEFAULT-VALUE}).")
  int pauseMillis;

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535 || keys < 1 || writers < 1 || pauseMillis < 0 || nodeIndex < 0 || nodeIndex > 999
        || incarnation < 0 || incarnation > 999) {
      throw new ParameterException(spec.commandLine(), "out of range: --port 1..65535, --keys and --writers at least 1,"
          + " --pause-ms at least 0, --node-index and --incarnation 0..999");
    }
    LocalKey key = KeyFileOption.read(keyFile);
    StorageSettings settings = AppConfig.storageSettings(config.config()).withBaseDir(dir);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), systemName, nodeConfig());
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    system.getWhenTerminated().thenRun(() -> {
      // Downed (or shut down): the workspace is gone with the ActorSystem; a host would restart.
      out.println("terminated");
      out.flush();
    });
    WorkspaceStorage storage;
    try {
      storage = Stowage.open(system, workspace, key, settings).toCompletableFuture().join();
    } catch (CompletionException e) {
      system.terminate();
      if (e.getCause() instanceof StorageFailedException failed) {
        throw new CliError("could not open workspace '" + workspace + "': " + failed.getMessage(), failed);
      }
      throw e;
    }
    awaitUp(system);
    out.println("ready " + Cluster.get(system).selfMember().address());
    NodeControl control = new NodeControl(system, storage, history == null ? null : () -> startLoad(storage), keys, out);
    BlockingQueue<String> commands = commands();
    while (!system.getWhenTerminated().toCompletableFuture().isDone()) {
      String line = commands.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && !control.obey(line.strip())) {
        control.quit();
        system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return ExitCodes.OK;
      }
    }
    // Downed: the calls in flight have been failed by the fence; any still unanswered stays so.
    control.stopLoad();
    return ExitCodes.ERROR;
  }

  private NodeLoad startLoad(WorkspaceStorage storage) {
    try {
      return NodeLoad.start(storage, NodeHistory.open(history), new NodeLoad.Settings(nodeIndex, incarnation, keys,
          writers, pauseMillis));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the history " + history, e);
    }
  }

  /**
   * Waits until this node is an Up member: a node still Joining is not counted by the split-brain
   * resolver, so a fault then could leave a tie where a majority was meant. A restarted node stays
   * Joining until its previous incarnation (the same address) has been removed.
   */
  private static void awaitUp(ActorSystem<Void> system) throws InterruptedException {
    long deadline = System.nanoTime() + JOINING.toNanos();
    while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
      if (System.nanoTime() > deadline || system.getWhenTerminated().toCompletableFuture().isDone()) {
        system.terminate();
        throw new CliError("this node did not become an Up member within " + JOINING.toSeconds() + " s (status "
            + Cluster.get(system).selfMember().status() + "): are the seeds running?");
      }
      Thread.sleep(50);
    }
  }

  /** The lines of the standard input, read on a thread of their own; its end reads as {@code quit}. */
  private static BlockingQueue<String> commands() {
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          commands.add(line);
        }
      } catch (IOException e) {
        // Unreadable input is its end.
      }
      commands.add("quit");
    }, "stowage-node-commands");
    reader.setDaemon(true);
    reader.start();
    return commands;
  }

  /** This node's cluster settings over the configuration: cluster mode, its port, its seeds. */
  private Config nodeConfig() {
    List<String> seedAddresses = new ArrayList<>();
    for (String seed : seeds.isEmpty() ? List.of("127.0.0.1:" + port) : seeds) {
      seedAddresses.add("\"pekko://" + systemName + "@" + seed + "\"");
    }
    Config node = ConfigFactory.parseString("stowage.mode = cluster\n"
        + "pekko.actor.provider = cluster\n"
        + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = " + port + " }\n"
        + "pekko.cluster.seed-nodes = [" + String.join(", ", seedAddresses) + "]\n"
        + "pekko.cluster.jmx.enabled = off\n"
        + (testTransport ? "pekko.remote.artery.advanced.test-mode = on\n" : ""));
    return node.withFallback(config.config()).resolve();
  }
}
