package dev.stowage.cluster;

import dev.stowage.actors.LinearizabilityContract;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link LinearizabilityContract} in cluster mode, on a three-node cluster over the test
 * PostgreSQL (one cluster for the class): the clients are spread over the three nodes and share
 * every key, so each key's history crosses nodes, served by its one entity wherever its shard
 * lives. With local mode's rows ({@code LinearizabilityTest}) these two make the set pairwise over
 * mode too (every value of every setting runs in both modes); {@code -Dstowage.test.matrix=full}
 * adds the full product.
 *
 * <p>It replaces the one-node run: on three nodes the calls a key's own node makes take the path
 * a one-node cluster takes (the region delivers locally), and the others cross nodes.
 */
class ClusterLinearizabilityTest extends LinearizabilityContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-lin", 3);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected Stream<Arguments> matrix() {
    return Stream.concat(Stream.of(
        Arguments.of(17L, "cache.max-dirty = 3"),
        Arguments.of(31337L, "entity.passivate-after = 1ms, entity.max-active = 1, cache.max-dirty = 1,"
            + " durability = full, group-commit.max-batch = 1")),
        fullProductIfAsked(5));
  }
}
