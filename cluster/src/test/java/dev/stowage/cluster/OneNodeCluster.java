package dev.stowage.cluster;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A one-node test cluster over the test PostgreSQL for each test class that registers it: started
 * before the class's tests, stopped with its temporary directory after them.
 */
final class OneNodeCluster implements BeforeAllCallback, AfterAllCallback {
  private final String prefix;
  private TestCluster cluster;

  OneNodeCluster(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    cluster = TestCluster.oneNodeInTemporaryDir(prefix);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  ActorSystem<Void> node() {
    return cluster.node(0);
  }

  /** The node's base directory (its block cache). */
  Path nodeDir() {
    return cluster.nodeDir(0);
  }
}
