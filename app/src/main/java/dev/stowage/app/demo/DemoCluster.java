package dev.stowage.app.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.app.CliError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The nodes of {@code stowage demo --cluster N}: N ActorSystems in this JVM, each a Pekko cluster
 * node on its own 127.0.0.1 port, the first one the seed, all in cluster mode on the PostgreSQL of
 * the configuration. Nothing leaves the loopback interface.
 */
final class DemoCluster {
  static final String SYSTEM_NAME = "stowage-demo";
  private static final Duration FORMING = Duration.ofSeconds(60);

  private DemoCluster() {}

  /** Starts {@code size} nodes and waits until all of them are Up. */
  static List<ActorSystem<Void>> start(int size, Config config) {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(freePort());
    }
    List<ActorSystem<Void>> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        nodes.add(ActorSystem.create(Behaviors.empty(), SYSTEM_NAME, nodeConfig(ports, i).withFallback(config).resolve()));
      }
      awaitUp(nodes);
      return nodes;
    } catch (RuntimeException e) {
      nodes.forEach(ActorSystem::terminate);
      throw e;
    }
  }

  private static Config nodeConfig(List<Integer> ports, int index) {
    return ConfigFactory.parseString("stowage.mode = cluster\n"
        + "pekko.actor.provider = cluster\n"
        + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = " + ports.get(index) + " }\n"
        + "pekko.cluster.seed-nodes = [\"pekko://" + SYSTEM_NAME + "@127.0.0.1:" + ports.get(0) + "\"]\n"
        + "pekko.cluster.jmx.enabled = off\n");
  }

  private static void awaitUp(List<ActorSystem<Void>> nodes) {
    long deadline = System.nanoTime() + FORMING.toNanos();
    for (ActorSystem<Void> node : nodes) {
      while (upMembers(node) < nodes.size()) {
        if (System.nanoTime() > deadline) {
          throw new CliError("the demo cluster did not form within " + FORMING.toSeconds() + " s: "
              + upMembers(node) + " of " + nodes.size() + " nodes Up");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliError("interrupted while the demo cluster formed");
        }
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

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new CliError("no free port on 127.0.0.1 for a demo node: " + e.getMessage(), e);
    }
  }
}
