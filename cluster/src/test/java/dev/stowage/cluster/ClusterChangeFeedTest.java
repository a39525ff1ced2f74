package dev.stowage.cluster;

import dev.stowage.actors.ChangeFeedContract;
import dev.stowage.actors.WorkspaceNodes;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ChangeFeedContract} on a two-node cluster over the test PostgreSQL: the subscriber is on
 * one node, the changes are made through the other, and reach it through the workspace's feed
 * relays (Pekko distributed pub-sub).
 */
class ClusterChangeFeedTest extends ChangeFeedContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-feed", 2);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }
}
