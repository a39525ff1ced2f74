package dev.stowage.cluster;

import dev.stowage.actors.WorkspaceStorageContract;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The façade contract ({@link WorkspaceStorageContract}) in cluster mode: a one-node cluster on
 * 127.0.0.1 over the test PostgreSQL, started once per class. Each test opens a workspace of its
 * own, so the settings of {@link #configuration()} apply to it from its first open on the node
 * (entity.max-active is its shard region's active-entity limit).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterModeContract extends WorkspaceStorageContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-contract", 1);

  @Override
  protected ActorSystem<?> system() {
    return CLUSTER.node(0);
  }

  @Override
  protected Path baseDir() {
    return CLUSTER.nodeDir(0);
  }
}
