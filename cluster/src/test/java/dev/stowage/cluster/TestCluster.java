package dev.stowage.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.cluster.loopback.LoopbackCluster;
import dev.stowage.protocol.EntryId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Nodes of a test cluster: a {@link LoopbackCluster} of ActorSystems in this JVM on 127.0.0.1,
 * each with its own base-dir (its block cache), all on the test PostgreSQL. The first node is the
 * seed. Nothing leaves loopback.
 */
final class TestCluster implements AutoCloseable {
  static final String SYSTEM_NAME = "stowage-test";
  private static final Duration POLL = Duration.ofMillis(20);

  private final LoopbackCluster cluster;
  private final Path baseDir;
  private final String extraConfig;
  /** A base directory this cluster made for itself, deleted on close; null if it was given one. */
  private Path ownDir;

  /**
   * {@code size} nodes over the test PostgreSQL, in a temporary base directory of their own (a
   * {@code @TempDir} field is not set yet in {@code @BeforeAll}) that goes with {@link #close};
   * {@code extraConfig} (HOCON) overrides every node's configuration.
   */
  static TestCluster inTemporaryDir(String prefix, int size, String extraConfig) throws IOException {
    TestPostgres.requireReachable();
    Path dir = Files.createTempDirectory(prefix);
    TestCluster cluster = new TestCluster(size, dir, extraConfig);
    cluster.ownDir = dir;
    return cluster;
  }

  /** Starts {@code size} nodes and waits until every one is Up. */
  TestCluster(int size, Path baseDir, String extraConfig) {
    this.baseDir = baseDir;
    this.extraConfig = extraConfig;
    try {
      cluster = LoopbackCluster.start(SYSTEM_NAME, size,
          node -> nodeConfig(baseDir.resolve("node" + node), extraConfig), Duration.ofSeconds(60));
    } catch (TimeoutException e) {
      throw new AssertionError("the test cluster did not form: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Starts one more node, as the others in a base-dir of its own, joining the nodes still running
   * (a crashed one must be downed first); waits until it is Up and returns its index.
   */
  int startNode() {
    int index = size();
    try {
      cluster.startNode(nodeConfig(baseDir.resolve("node" + index), extraConfig), Duration.ofSeconds(60));
    } catch (TimeoutException e) {
      throw new AssertionError("node " + index + " did not join the test cluster: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return index;
  }

  ActorSystem<Void> node(int i) {
    return cluster.nodes().get(i);
  }

  /** Nodes started, crashed ones included. */
  int size() {
    return cluster.nodes().size();
  }

  private static Config nodeConfig(Path baseDir, String extraConfig) {
    return ConfigFactory.parseString(extraConfig) // overrides what follows, the database included
        .withFallback(ConfigFactory.parseString(TestPostgres.config()
            + "stowage.base-dir = \"" + baseDir.toString().replace("\\", "/") + "\"\n"
            // a crash is a crash: terminate() must not leave the cluster or hand shards off
            + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            // so a terminating node waits for no acknowledgement from a peer already terminated (close
            // stops the nodes one by one, none leaving): 1 s, not stowage-cluster's 5 s, which was
            // waited out once per cluster (issue 15's clean leave, which the tests' nodes do not make)
            + "pekko.remote.artery.advanced.shutdown-flush-timeout = 1s\n"
            // a crashed node is terminated before it is downed: the shard coordinator need not wait
            // Pekko's down-removal-margin (by default the split-brain resolver's stable-after, 20 s)
            // after its removal before it gives its shards to the survivors
            + "pekko.cluster.down-removal-margin = 1s\n"
            + "pekko.cluster.sharding.rebalance-interval = 1h\n"
            + "pekko.loglevel = WARNING\n"
            + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
            + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n"))
        .withFallback(ConfigFactory.load());
  }

  /**
   * Stops node {@code i} abruptly: its ActorSystem terminates without leaving the cluster (no
   * CoordinatedShutdown: nothing is flushed, shards are not handed off), then the survivors down it.
   */
  void crash(int i, int survivor) throws Exception {
    ActorSystem<Void> victim = node(i);
    var address = Cluster.get(victim).selfMember().address();
    victim.terminate();
    victim.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Cluster.get(node(survivor)).manager().tell(new org.apache.pekko.cluster.typed.Down(address));
  }

  /** What {@code node}'s shard region of {@code workspaceId}'s entities runs: its shards and their entities. */
  static ShardRegion.CurrentShardRegionState regionState(ActorSystem<?> node, String workspaceId) {
    try {
      return AskPattern.<GetShardRegionState, ShardRegion.CurrentShardRegionState>ask(
              ClusterSharding.get(node).shardState().narrow(),
              replyTo -> new GetShardRegionState(ManifestIds.typeKey(workspaceId), replyTo),
              Duration.ofSeconds(10), node.scheduler())
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the shard region state of '" + workspaceId + "' on " + node.address(), e);
    }
  }

  /** The entries whose entity {@code node} hosts in {@code workspaceId}. */
  static Set<EntryId> hostedEntities(ActorSystem<?> node, String workspaceId) {
    Set<EntryId> ids = new HashSet<>();
    regionState(node, workspaceId).getShards()
        .forEach(shard -> shard.getEntityIds().forEach(id -> ids.add(ManifestIds.entryOfEntityId(id))));
    return ids;
  }

  /** Waits until {@code condition} holds (checked every 20 ms), or fails naming {@code what}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  @Override
  public void close() {
    cluster.close();
    if (ownDir != null) {
      try {
        deleteRecursively(ownDir);
      } catch (IOException e) {
        throw new UncheckedIOException("could not delete " + ownDir, e);
      }
    }
  }

  /** Deletes {@code dir} and everything under it. */
  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** Where node {@code i} keeps its files (its block cache), for a cluster in its own directory. */
  Path nodeDir(int i) {
    return ownDir.resolve("node" + i);
  }
}
