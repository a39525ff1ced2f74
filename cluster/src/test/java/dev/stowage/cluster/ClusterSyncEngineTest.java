package dev.stowage.cluster;

import dev.stowage.actors.ChangeFeedContract;
import dev.stowage.actors.SyncEngineCallsContract;
import dev.stowage.actors.WorkspaceNodes;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a sync engine and a UI build on (issue 28), on one two-node cluster over the test
 * PostgreSQL, started once for both contracts.
 */
class ClusterSyncEngineTest {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-sync", 2);

  /**
   * {@link SyncEngineCallsContract}: the pages and the backlog are asked on one node while the
   * dirty entries live in the other's memory.
   */
  @Nested
  class Calls extends SyncEngineCallsContract {
    @Override
    protected WorkspaceNodes nodes() {
      return CLUSTER;
    }
  }

  /**
   * {@link ChangeFeedContract}: the subscriber is on one node, the changes are made through the
   * other, and reach it through the workspace's feed relays (Pekko distributed pub-sub).
   */
  @Nested
  class Feed extends ChangeFeedContract {
    @Override
    protected WorkspaceNodes nodes() {
      return CLUSTER;
    }
  }
}
