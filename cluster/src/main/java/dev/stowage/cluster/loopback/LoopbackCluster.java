package dev.stowage.cluster.loopback;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A cluster of N nodes in one JVM, for the demo and the benchmarks: N ActorSystems in cluster mode
 * ({@code stowage.mode = cluster}), each on its own free 127.0.0.1 port, the first one the seed.
 * Nothing listens beyond the loopback interface. Not for production: a real deployment runs one
 * node per machine (docs/scale-out.md).
 *
 * <p>A test that crashes a node (terminates its ActorSystem without leaving) can {@link #startNode}
 * a replacement: one more node, on a new port, joining the nodes still running.
 */
public final class LoopbackCluster implements AutoCloseable {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final String systemName;
  /** Every node started, in start order, those since terminated included; appended to by startNode. */
  private final List<ActorSystem<Void>> nodes;

  private LoopbackCluster(String systemName, List<ActorSystem<Void>> nodes) {
    this.systemName = systemName;
    this.nodes = new CopyOnWriteArrayList<>(nodes);
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
      String seed = "pekko://" + systemName + "@127.0.0.1:" + ports.get(0);
      for (int i = 0; i < size; i++) {
        nodes.add(create(systemName, ports.get(i), List.of(seed), config.apply(i)));
      }
      LoopbackCluster cluster = new LoopbackCluster(systemName, nodes);
      awaitUp(nodes, forming, "the cluster did not form");
      return cluster;
    } catch (TimeoutException | InterruptedException | RuntimeException e) {
      new LoopbackCluster(systemName, nodes).close();
      throw e;
    }
  }

  /**
   * Every node started, in start order: those of {@link #start}, then those of {@link #startNode};
   * terminated ones included, so that a node keeps its index.
   */
  public List<ActorSystem<Void>> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * Starts one more node on {@code config}, on a free 127.0.0.1 port, with the nodes still running
   * (not terminated) as its seeds, and waits until each running node, the new one included, sees
   * all of them as Up. The other nodes are left as they are; {@link #nodes()} lists the new one
   * last. A node terminated without leaving must be downed (and removed) first, or the cluster
   * cannot take the new one in.
   *
   * @return the new node
   * @throws TimeoutException if it has not joined within {@code joining}; it is then terminated
   */
  public ActorSystem<Void> startNode(Config config, Duration joining) throws TimeoutException, InterruptedException {
    List<ActorSystem<Void>> running = new ArrayList<>();
    List<String> seeds = new ArrayList<>();
    for (ActorSystem<Void> node : nodes) {
      if (!node.getWhenTerminated().toCompletableFuture().isDone()) {
        running.add(node);
        seeds.add(Cluster.get(node).selfMember().address().toString());
      }
    }
    ActorSystem<Void> node = create(systemName, freeLoopbackPort(), seeds, config);
    running.add(node);
    try {
      awaitUp(running, joining, "the new node " + Cluster.get(node).selfMember().address() + " did not join");
    } catch (TimeoutException | InterruptedException | RuntimeException e) {
      stop(node);
      throw e;
    }
    nodes.add(node);
    return node;
  }

  private static ActorSystem<Void> create(String systemName, int port, List<String> seeds, Config config) {
    Config node = ConfigFactory.parseString("stowage.mode = cluster\n"
        + "pekko.actor.provider = cluster\n"
        + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = " + port + " }\n"
        + "pekko.cluster.seed-nodes = [\"" + String.join("\", \"", seeds) + "\"]\n"
        + "pekko.cluster.jmx.enabled = off\n");
    return ActorSystem.create(Behaviors.empty(), systemName, node.withFallback(config).resolve());
  }

  /** Until each of {@code members} sees all of them as Up. */
  private static void awaitUp(List<ActorSystem<Void>> members, Duration timeout, String failure)
      throws TimeoutException, InterruptedException {
    List<Address> addresses = members.stream().map(member -> Cluster.get(member).selfMember().address()).toList();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ActorSystem<Void> node : members) {
      while (upMembers(node, addresses) < addresses.size()) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(failure + " within " + timeout.toSeconds() + " s: "
              + upMembers(node, addresses) + " of " + addresses.size() + " nodes Up");
        }
        Thread.sleep(50);
      }
    }
  }

  /** How many of {@code addresses} {@code node} sees as Up. */
  private static int upMembers(ActorSystem<?> node, List<Address> addresses) {
    int up = 0;
    for (var member : Cluster.get(node).state().getMembers()) {
      if (member.status().equals(MemberStatus.up()) && addresses.contains(member.address())) {
        up++;
      }
    }
    return up;
  }

  /** A port of 127.0.0.1 free now (another process may take it before it is bound: start soon). */
  public static int freeLoopbackPort() {
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
      if (!stop(nodes.get(i))) {
        return;
      }
    }
  }

  /** Terminates {@code node} and waits for it; false if interrupted meanwhile. */
  private static boolean stop(ActorSystem<Void> node) {
    node.terminate();
    try {
      node.getWhenTerminated().toCompletableFuture().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return true; // a node that does not stop in time is left to the JVM's exit
    }
  }
}
