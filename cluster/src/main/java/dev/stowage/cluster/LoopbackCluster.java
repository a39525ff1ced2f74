package dev.stowage.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A cluster of N nodes in one JVM, for the demo and the benchmarks: N ActorSystems in cluster mode
 * ({@code stowage.mode = cluster}), each on its own free 127.0.0.1 port, the first one the seed.
 * Nothing listens beyond the loopback interface. Not for production: a real deployment runs one
 * node per machine (docs/scale-out.md).
 */
public final class LoopbackCluster implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final List<ActorSystem<Void>> nodes;

  private LoopbackCluster(List<ActorSystem<Void>> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Starts {@code size} nodes named {@code systemName} on {@code config} (which holds the database
   * settings) and waits until every one of them sees all as Up.
   *
   * @throws TimeoutException if the cluster has not formed within {@code forming}
   */
  public static LoopbackCluster start(String systemName, int size, Config config, Duration forming)
      throws TimeoutException, InterruptedException {
    return start(systemName, size, node -> config, forming);
  }

  /**
   * Starts {@code size} nodes, node {@code i} on {@code config.apply(i)} (e.g. each with its own
   * {@code base-dir}), and waits until every one of them sees all as Up.
   *
   * @throws TimeoutException if the cluster has not formed within {@code forming}
   */
  public static LoopbackCluster start(String systemName, int size, IntFunction<Config> config, Duration forming)
      throws TimeoutException, InterruptedException {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(freeLoopbackPort());
    }
    List<ActorSystem<Void>> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        Config node = ConfigFactory.parseString("stowage.mode = cluster\n"
            + "pekko.actor.provider = cluster\n"
            + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = " + ports.get(i) + " }\n"
            + "pekko.cluster.seed-nodes = [\"pekko://" + systemName + "@127.0.0.1:" + ports.get(0) + "\"]\n"
            + "pekko.cluster.jmx.enabled = off\n");
        nodes.add(ActorSystem.create(Behaviors.empty(), systemName, node.withFallback(config.apply(i)).resolve()));
      }
      LoopbackCluster cluster = new LoopbackCluster(nodes);
      cluster.awaitUp(forming);
      return cluster;
    } catch (TimeoutException | InterruptedException | RuntimeException e) {
      new LoopbackCluster(nodes).close();
      throw e;
    }
  }

  public List<ActorSystem<Void>> nodes() {
    return nodes;
  }

  /** Members every node sees as Up, at least. */
  private void awaitUp(Duration forming) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + forming.toNanos();
    for (ActorSystem<Void> node : nodes) {
      while (upMembers(node) < nodes.size()) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("the cluster did not form within " + forming.toSeconds() + " s: "
              + upMembers(node) + " of " + nodes.size() + " nodes Up");
        }
        Thread.sleep(50);
      }
    }
  }

  private static int upMembers(ActorSystem<?> node) {
    int up = 0;
    for (var member : Cluster.get(node).state().getMembers()) {
      if (member.status().equals(MemberStatus.up())) {
        up++;
      }
    }
    return up;
  }

  private static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1 for a cluster node", e);
    }
  }

  /** Stops the nodes one after the other, the seed last, so that each leaves while the others are up. */
  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).terminate();
      try {
        nodes.get(i).getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // a node that does not stop in time is left to the JVM's exit
      }
    }
  }
}
