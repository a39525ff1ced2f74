package dev.stowage.app.demo;

import com.typesafe.config.Config;
import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.CliError;
import dev.stowage.app.DirOptions;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.app.Sizes;
import dev.stowage.cluster.ShardPreallocation;
import dev.stowage.cluster.loopback.LoopbackCluster;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stowage demo}: the example host application running a file-sync client's workload. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    header = "Run the demo: a file-sync workload on an embedded workspace, then a check.", sortOptions = false,
    description = "Runs the workload of a file-sync client on an embedded Stowage workspace: editors write chunks and "
        + "update file manifests (cache-only, made durable now and then), readers read files back, a downloader "
        + "fills the block cache past its limit; then a sync engine pages through what needs uploading, marks each "
        + "entry synced with its chunks uploaded, and promotes the chunks to the block cache. A subscriber of the "
        + "workspace's change feed counts its events and shows the upload backlog once a second. Then closes and reopens the workspace and checks that every "
        + "file reads back exactly as last written. Sizes come from stowage.demo in application.conf and these "
        + "flags. Exits 0 if the final check passed, 1 if it did not.%n%n"
        + "Each run starts from a fresh workspace: it removes the previous demo's first, and --cluster removes its "
        + "nodes' folders (DIR/node-N, their block caches) when it ends. It removes only folders it made itself, "
        + "which hold a " + DemoFolders.MARKER + " file: never another workspace, the key file, or anything else "
        + "in DIR. The demo keeps its key beside its data (DIR/" + KeyFileOption.KEY_FILE_NAME + ") to be "
        + "self-contained; a real host keeps its key apart from the data it encrypts.")
public final class DemoCommand implements Callable<Integer> {
  /** Most nodes of {@code --cluster}. */
  private static final int MAX_NODES = 9;
  /** How long the cluster demo waits for its shards' allocation before the workload. */
  private static final Duration SHARD_WAIT = Duration.ofSeconds(60);

  @Mixin DirOptions options;
  @Mixin KeyFileOption keyFile;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", description = "The demo's workspace (default: stowage.demo.workspace).")
  String workspace;

  @Option(names = "--editors", paramLabel = "N", description = "Concurrent editors (default: stowage.demo.editors).")
  Integer editors;

  @Option(names = "--files", paramLabel = "N", description = "Files per editor (default: stowage.demo.files-per-editor).")
  Integer filesPerEditor;

  @Option(names = "--edits", paramLabel = "N", description = "Edits per editor (default: stowage.demo.edits-per-editor).")
  Integer editsPerEditor;

  @Option(names = "--readers", paramLabel = "N", description = "Concurrent readers (default: stowage.demo.readers).")
  Integer readers;

  @Option(names = "--reads", paramLabel = "N", description = "Reads per reader (default: stowage.demo.reads-per-reader).")
  Integer readsPerReader;

  @Option(names = "--block-fill", paramLabel = "X",
      description = "Blocks downloaded, as a multiple of the cache's block limit (default: stowage.demo.block-fill).")
  Double blockFill;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the workload's choices (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--cluster", paramLabel = "N",
      description = "Run N cluster nodes (N ActorSystems on 127.0.0.1) in cluster mode, spreading the workload over "
          + "them, on the PostgreSQL of jdbc-durable-state-store.slick.db (url, user, password; e.g. in --config) or, "
          + "if none is configured, on an embedded one started for the run and removed after it.")
  Integer cluster;

  @Option(names = "--processes",
      description = "With --cluster N: run nodes 2..N as processes of their own (stowage node), joining this one's;"
          + " the workload goes through this process's node, Cluster Sharding spreads the entities over all N.")
  boolean processes;

  /** The node processes of --processes, while they run. */
  private DemoNodeProcesses nodeProcesses;

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (cluster != null && (cluster < 1 || cluster > MAX_NODES)) {
      throw new CliError("--cluster must be between 1 and " + MAX_NODES + " nodes, got " + cluster);
    }
    if (processes && cluster == null) {
      throw new ParameterException(spec.commandLine(), "--processes runs cluster nodes as processes: it needs --cluster N");
    }
    Config config = options.config();
    DemoSettings demo = overridden(DemoSettings.fromConfig(config));
    try {
      RequestValidation.workspaceId(demo.workspace());
    } catch (InvalidRequestException e) {
      throw new CliError(e.getMessage(), e);
    }
    StorageSettings settings = options.settings();
    Path base = settings.baseDir();
    // The folders this run makes: checked before anything is changed, then removed and made anew.
    List<Path> folders = cluster == null ? List.of(base.resolve(demo.workspace()))
        : IntStream.range(0, cluster).mapToObj(i -> nodeFolder(base, i)).toList();
    DemoFolders.checkOwned(folders, cluster == null ? "workspace" : "node folders");
    KeyChoice key = key(base);
    List<Path> removed = DemoFolders.removeOwned(cluster == null ? folders
        : IntStream.range(0, MAX_NODES).mapToObj(i -> nodeFolder(base, i)).toList()); // a larger run's too
    for (Path folder : folders) {
      DemoFolders.create(folder);
    }
    out.printf("stowage demo: workspace '%s' in %s%s%s%n", demo.workspace(), base,
        !options.dirGiven() ? " (the default; --dir chooses another)" : "",
        removed.isEmpty() ? "" : cluster == null ? "; removed the previous demo's: each run starts from a fresh one"
            : "; removed the node folders of a previous run: each run starts fresh");
    out.println(key.line());
    out.flush();

    if (cluster == null) {
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), DemoCluster.SYSTEM_NAME, config);
      try {
        return run(List.of(system), settings, key.key(), demo, out);
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
    // The database outlives the nodes: they stop first; their folders go once they have stopped.
    try (DemoDatabase database = DemoDatabase.open(config)) {
      out.printf("database: %s%n", database);
      out.flush();
      try {
        if (processes) {
          return runWithProcesses(database.config(), folders, settings, key.key(), demo, out);
        }
        try (LoopbackCluster nodes = DemoCluster.start(cluster, database.config())) {
          return run(nodes.nodes(), settings, key.key(), demo, out);
        }
      } finally {
        removeNodeFolders(folders, out);
      }
    }
  }

  /**
   * {@code --cluster N --processes}: node 0 in this process (the seed, and the one the workload goes
   * through), nodes 1..N-1 as {@code stowage node} processes joining it. They leave first, each
   * flushing what it hosts; node 0 last.
   */
  private int runWithProcesses(Config database, List<Path> folders, StorageSettings settings, LocalKey key,
      DemoSettings demo, PrintWriter out) throws Exception {
    try (LoopbackCluster first = DemoCluster.start(1, database)) {
      var address = Cluster.get(first.nodes().get(0)).selfMember().address();
      String seed = address.host().get() + ":" + address.port().get();
      try (DemoNodeProcesses others = DemoNodeProcesses.start(cluster - 1, seed, folders, database,
          options.configFile(), keyFile.keyFile(settings.baseDir()), demo.workspace())) {
        out.printf("nodes:    this process and %d processes of their own (stowage node, logs in %s until the end)%n",
            cluster - 1,
            cluster == 2 ? folders.get(1).resolve("node.log") : folders.get(1).getParent().resolve("node-*/node.log"));
        out.flush();
        nodeProcesses = others;
        try {
          return run(first.nodes(), settings, key, demo, out);
        } finally {
          nodeProcesses = null;
        }
      }
    }
  }

  /** Cluster mode: node {@code i} keeps its block cache in {@code DIR/node-i}. */
  private static Path nodeFolder(Path base, int i) {
    return base.resolve("node-" + i);
  }

  /** Removes the nodes' folders after the run; a failure to is said, and does not change the run's outcome. */
  private static void removeNodeFolders(List<Path> folders, PrintWriter out) {
    try {
      List<Path> removed = DemoFolders.removeOwned(folders);
      out.printf("node folders:   removed %s (the nodes' block caches)%n", removed.size() == 1 ? removed.get(0)
          : removed.get(0) + " .. " + removed.get(removed.size() - 1).getFileName());
    } catch (IOException | RuntimeException e) {
      out.printf("node folders:   could not remove them all (%s); the next demo run removes them%n", e.getMessage());
    }
    out.flush();
  }

  private int run(List<ActorSystem<Void>> systems, StorageSettings settings, LocalKey key, DemoSettings demo,
      PrintWriter out) throws Exception {
    List<WorkspaceStorage> nodes = open(systems, settings, key, demo.workspace());
    if (cluster != null) {
      awaitShards(systems.get(0), demo.workspace(), out);
    }
    OpStats stats = new OpStats();
    DemoWorkload workload = new DemoWorkload(nodes, demo, settings.blockSize(), settings.blockLimit(), stats, seed);
    out.printf("workload: %d editors x %d edits on %d files of %d chunks of %s, %d readers x %d reads, "
            + "%d blocks of %s into a cache of %d blocks%s%n",
        demo.editors(), demo.editsPerEditor(), demo.files(), demo.chunksPerFile(), Sizes.human(demo.chunkSize()),
        demo.readers(), demo.readsPerReader(), workload.blocksToDownload(), Sizes.human(settings.blockSize()),
        settings.blockLimit(), cluster == null ? "" : processes ? ", through this process's node of " + cluster
            : ", through " + cluster + " cluster nodes");
    out.flush();
    long started = System.nanoTime();
    StorageStats afterRun;
    List<Integer> hosted = new ArrayList<>();
    DemoFeed feed = new DemoFeed(nodes.get(0), systems.get(0));
    ProgressBar progress = progressBar(workload.totalSteps());
    // What a UI would show, once a second: beside the progress bar, or as a line of its own without it.
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "demo-feed-line");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleAtFixedRate(() -> {
      if (progress != null) {
        progress.setExtraMessage(" " + feed.shortLine());
      } else {
        out.println(feed.line());
        out.flush();
      }
    }, 1, 1, TimeUnit.SECONDS);
    try {
      workload.run(progress == null ? () -> { } : progress::step);
      afterRun = nodes.get(0).stats().toCompletableFuture().join();
      for (WorkspaceStorage node : nodes) {
        hosted.add(node.stats().toCompletableFuture().join().liveEntities());
      }
      if (nodeProcesses != null) {
        hosted.addAll(nodeProcesses.hosted());
      }
    } finally {
      ticker.shutdownNow();
      if (progress != null) {
        progress.close();
      }
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    DemoWorkload.FinalCheck check;
    StorageStats onDisk;
    if (cluster == null) {
      // Close and reopen: the check reads what reached the disk.
      nodes.get(0).close().toCompletableFuture().join();
      WorkspaceStorage reopened = open(systems, settings, key, demo.workspace()).get(0);
      try {
        check = workload.check(reopened);
        onDisk = reopened.stats().toCompletableFuture().join();
      } finally {
        reopened.close().toCompletableFuture().join();
      }
    } else {
      // Flush every node's entities to PostgreSQL, then read everything back through the last node.
      for (WorkspaceStorage node : nodes) {
        node.clearMemoryCache(true).toCompletableFuture().join();
      }
      check = workload.check(nodes.get(nodes.size() - 1));
      onDisk = nodes.get(0).stats().toCompletableFuture().join();
      for (WorkspaceStorage node : nodes) {
        node.close().toCompletableFuture().join();
      }
    }
    try {
      feed.done().toCompletableFuture().get(10, TimeUnit.SECONDS); // node 0 closed: its feed ended
    } catch (java.util.concurrent.TimeoutException e) {
      out.println("feed: did not end within 10 s of the close");
    }
    new DemoSummary(stats, elapsed, afterRun, onDisk, workload, check, cluster == null ? List.of() : hosted,
        feed.summary()).print(out);
    out.flush();
    return check.passed() ? ExitCodes.OK : ExitCodes.FINDINGS;
  }

  /**
   * Cluster mode: waits until the workspace's shards are all allocated (the nodes preallocate them
   * once every one has opened it), so that the workload's first writes do not queue behind the
   * start-up allocations; says how long it took, or that it gave up (the workload runs anyway).
   */
  private static void awaitShards(ActorSystem<Void> node, String workspace, PrintWriter out) {
    long started = System.nanoTime();
    try {
      int shards = ShardPreallocation.awaitAllocated(node, workspace, SHARD_WAIT).toCompletableFuture().join();
      out.printf("shards:   all %d allocated in %.1f s, before the workload%n", shards,
          (System.nanoTime() - started) / 1e9);
    } catch (CompletionException e) {
      out.printf("shards:   not all allocated after %d s (%s); the workload starts anyway%n", SHARD_WAIT.toSeconds(),
          e.getCause().getMessage());
    }
    out.flush();
  }

  /** Opens the workspace on every node; in cluster mode each node keeps its block cache in DIR/node-N. */
  private List<WorkspaceStorage> open(List<ActorSystem<Void>> systems, StorageSettings settings, LocalKey key,
      String workspace) {
    List<WorkspaceStorage> nodes = new ArrayList<>();
    for (int i = 0; i < systems.size(); i++) {
      StorageSettings node = cluster == null ? settings : settings.withBaseDir(nodeFolder(settings.baseDir(), i));
      try {
        nodes.add(Stowage.open(systems.get(i), workspace, key, node).toCompletableFuture().join());
      } catch (CompletionException e) {
        if (cluster != null && e.getCause() instanceof StorageFailedException failed) {
          throw new CliError(failed.getMessage() + " (the cluster demo's database, jdbc-durable-state-store.slick.db"
              + " in the configuration)", failed);
        }
        throw e;
      }
    }
    return nodes;
  }

  private DemoSettings overridden(DemoSettings d) {
    return new DemoSettings(
        workspace != null ? workspace : d.workspace(),
        editors != null ? editors : d.editors(),
        filesPerEditor != null ? filesPerEditor : d.filesPerEditor(),
        editsPerEditor != null ? editsPerEditor : d.editsPerEditor(),
        d.chunksPerFile(),
        d.chunkSize(),
        d.ensureEvery(),
        readers != null ? readers : d.readers(),
        readsPerReader != null ? readsPerReader : d.readsPerReader(),
        blockFill != null ? blockFill : d.blockFill());
  }

  /** The demo's key and the line that says where it is. */
  private record KeyChoice(LocalKey key, String line) {}

  /** The key file next to the data: reused if there, else generated with mode 0600. */
  private KeyChoice key(Path base) throws IOException {
    Path file = keyFile.keyFile(base);
    String kept = "; the demo keeps it beside its data, a real host keeps its key apart from the data it encrypts";
    if (Files.exists(file)) {
      LocalKey key = keyFile.load(base);
      return new KeyChoice(key, "key: " + file + " (reused, fingerprint " + key.fingerprint() + ")" + kept);
    }
    if (!Files.isDirectory(base)) {
      try {
        Files.createDirectories(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(base);
      }
    }
    LocalKey key = LocalKey.generate();
    key.save(file);
    return new KeyChoice(key, "key: " + file + " (generated, mode 0600, fingerprint " + key.fingerprint() + ")" + kept);
  }

  private ProgressBar progressBar(long steps) {
    if (noProgress) {
      return null;
    }
    return new ProgressBarBuilder()
        .setTaskName("demo")
        .setInitialMax(steps)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .build(); // no speed: the feed's line stands there (the summary has the rates)
  }

}
