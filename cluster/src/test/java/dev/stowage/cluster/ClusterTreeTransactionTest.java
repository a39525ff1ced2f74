package dev.stowage.cluster;

import dev.stowage.actors.TreeTransactionContract;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link TreeTransactionContract} in cluster mode, on a three-node cluster over the test
 * PostgreSQL: movers, creators and readers are spread over the nodes, so a transaction's
 * coordinator runs on one node and holds entities that live on the others, and commits their rows
 * in one PostgreSQL transaction.
 */
class ClusterTreeTransactionTest extends TreeTransactionContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-tree", 3);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected Stream<Arguments> matrix() {
    return Stream.concat(Stream.of(
        Arguments.of(11L, "cache.max-dirty = 3"),
        Arguments.of(23L, "entity.passivate-after = 1ms, entity.max-active = 4, cache.max-dirty = 1,"
            + " durability = full, group-commit.max-batch = 1")),
        fullProductIfAsked(4));
  }
}
