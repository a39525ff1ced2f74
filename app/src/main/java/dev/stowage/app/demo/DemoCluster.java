package dev.stowage.app.demo;

import com.typesafe.config.Config;
import dev.stowage.app.CliError;
import dev.stowage.cluster.loopback.LoopbackCluster;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The nodes of {@code stowage demo --cluster N}: a {@link LoopbackCluster} of N ActorSystems in
 * this JVM, in cluster mode on the PostgreSQL of the configuration.
 */
final class DemoCluster {
  static final String SYSTEM_NAME = "stowage-demo";
  private static final Duration FORMING = Duration.ofSeconds(60);

  private DemoCluster() {}

  /** Starts {@code size} nodes and waits until all of them are Up. */
  static LoopbackCluster start(int size, Config config) {
    try {
      return LoopbackCluster.start(SYSTEM_NAME, size, config, FORMING);
    } catch (TimeoutException e) {
      throw new CliError("the demo cluster did not form: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliError("interrupted while the demo cluster formed", e);
    }
  }
}
