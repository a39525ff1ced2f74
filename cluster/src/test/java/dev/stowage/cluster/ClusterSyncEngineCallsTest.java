package dev.stowage.cluster;

import dev.stowage.actors.SyncEngineCallsContract;
import dev.stowage.actors.WorkspaceNodes;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SyncEngineCallsContract} on a two-node cluster over the test PostgreSQL: the pages and the
 * backlog are asked on one node while the dirty entries live in the other's memory.
 */
class ClusterSyncEngineCallsTest extends SyncEngineCallsContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-sync", 2);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }
}
