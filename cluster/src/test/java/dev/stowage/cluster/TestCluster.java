package dev.stowage.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Nodes of a test cluster: ActorSystems in this JVM on 127.0.0.1, each with its own base-dir (its
 * block cache), all on the test PostgreSQL. The first node is the seed. Nothing leaves loopback.
 */
final class TestCluster implements AutoCloseable {
  static final String SYSTEM_NAME = "stowage-test";

  private final List<ActorSystem<Void>> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  /** Starts {@code size} nodes and waits until every one is Up. */
  TestCluster(int size, Path baseDir, String extraConfig) {
    for (int i = 0; i < size; i++) {
      ports.add(freePort());
    }
    for (int i = 0; i < size; i++) {
      nodes.add(ActorSystem.create(Behaviors.empty(), SYSTEM_NAME, nodeConfig(i, baseDir.resolve("node" + i), extraConfig)));
    }
    awaitUp(size, Duration.ofSeconds(60));
  }

  ActorSystem<Void> node(int i) {
    return nodes.get(i);
  }

  int size() {
    return nodes.size();
  }

  private Config nodeConfig(int index, Path baseDir, String extraConfig) {
    String seed = "pekko://" + SYSTEM_NAME + "@127.0.0.1:" + ports.get(0);
    return ConfigFactory.parseString(extraConfig + "\n"
            + TestPostgres.config()
            + "stowage.mode = cluster\n"
            + "stowage.base-dir = \"" + baseDir.toString().replace("\\", "/") + "\"\n"
            + "pekko.actor.provider = cluster\n"
            + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = " + ports.get(index) + " }\n"
            + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n"
            + "pekko.cluster.jmx.enabled = off\n"
            // a crash is a crash: terminate() must not leave the cluster or hand shards off
            + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n"
            + "pekko.cluster.sharding.rebalance-interval = 1h\n"
            + "pekko.loglevel = WARNING\n"
            + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
            + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n")
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private void awaitUp(int expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ActorSystem<Void> node : nodes) {
      while (upMembers(node) < expected) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the test cluster did not form: " + upMembers(node) + " of " + expected + " Up");
        }
        sleep(50);
      }
    }
  }

  static int upMembers(ActorSystem<?> node) {
    int up = 0;
    for (var member : Cluster.get(node).state().getMembers()) {
      if (member.status() == MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  /**
   * Stops node {@code i} abruptly: its ActorSystem terminates without leaving the cluster (no
   * CoordinatedShutdown: nothing is flushed, shards are not handed off), then the survivors down it.
   */
  void crash(int i, int survivor) throws Exception {
    ActorSystem<Void> victim = nodes.get(i);
    var address = Cluster.get(victim).selfMember().address();
    victim.terminate();
    victim.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Cluster.get(nodes.get(survivor)).manager().tell(new org.apache.pekko.cluster.typed.Down(address));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError("no free port on 127.0.0.1", e);
    }
  }

  @Override
  public void close() throws Exception {
    for (ActorSystem<Void> node : nodes) {
      node.terminate();
    }
    for (ActorSystem<Void> node : nodes) {
      node.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }
}
