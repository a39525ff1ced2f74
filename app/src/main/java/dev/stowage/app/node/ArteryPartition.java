package dev.stowage.app.node;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

/**
 * Drops, or lets through again, everything this node exchanges with another node: a network
 * partition as Pekko's own multi-node tests make one, through Artery's test transport ({@code
 * pekko.remote.artery.advanced.test-mode = on}, which {@code stowage node --test-transport} sets).
 * Both directions are dropped at this node (outbound to the other, inbound from it); the other
 * node's process does the same for this one, so that a partition is cut on both sides at once.
 *
 * <p>This goes through Pekko's internal API ({@code RARP}, the test transport's management
 * command), the only way into Artery's test stage; a test tool, never on in production.
 */
final class ArteryPartition {
  private final ActorSystem<?> system;

  ArteryPartition(ActorSystem<?> system) {
    this.system = system;
  }

  /** Drops everything to and from the node at {@code hostPort}. */
  void cut(String hostPort) throws Exception {
    command(hostPort, ThrottlerTransportAdapter.blackholeThrottleMode());
  }

  /** Lets everything to and from the node at {@code hostPort} through again. */
  void heal(String hostPort) throws Exception {
    command(hostPort, ThrottlerTransportAdapter.unthrottledThrottleMode());
  }

  private void command(String hostPort, ThrottlerTransportAdapter.ThrottleMode mode) throws Exception {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not HOST:PORT: " + hostPort);
    }
    Address other = new Address("pekko", system.name(), hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
    RARP remoting = (RARP) RARP.get(system.classicSystem());
    Object done = Await.result(remoting.provider().transport().managementCommand(
        new ThrottlerTransportAdapter.SetThrottle(other, ThrottlerTransportAdapter.bothDirection(), mode)),
        Duration.create(10, TimeUnit.SECONDS));
    if (!Boolean.TRUE.equals(done)) {
      throw new IllegalStateException("Artery's test transport refused the command (is --test-transport on?)");
    }
  }
}
