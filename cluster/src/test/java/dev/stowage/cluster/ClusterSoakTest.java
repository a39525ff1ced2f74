package dev.stowage.cluster;

import dev.stowage.actors.SoakContract;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SoakContract} in cluster mode, on a three-node cluster over the test PostgreSQL (one
 * cluster for the class): the 64 clients spread over the three nodes, the cache clearer calling a
 * random node, every node closing and reopening between rounds. Two points by default: the soak's
 * own (durability normal, max-batch 1000, at most 300 live entities per node, passivate-after 50
 * ms), as local mode's {@code SoakTest} runs it, and its opposite (durability full, max-batch 1,
 * max-active 100,000, passivate-after 2 minutes); {@code -Dstowage.test.matrix=full} adds the full
 * product, but for the points {@link ClusterSoakAtTheEntityLimitTest} holds.
 *
 * <p>Each client makes a third of local mode's calls per round (40): three nodes and PostgreSQL
 * share the build machine's cores, and a round of local mode's size took 12 to 25 s on three nodes
 * on a 2-core machine, against under 2 s in local mode. {@code -Dstowage.test.iterations=N} scales
 * it as it scales local mode.
 */
class ClusterSoakTest extends SoakContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-soak", 3);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected int callsPerClientPerRound() {
    return OPS_PER_CLIENT_PER_ROUND / 3;
  }

  @Override
  protected Stream<String> matrix() {
    return Stream.concat(Stream.of(SOAK_SETTINGS, soakPoint("durability = full, group-commit.max-batch = 1,"
            + " entity.max-active = 100000, entity.passivate-after = 2 minutes")), fullProductIfAsked())
        .filter(point -> !ClusterSoakAtTheEntityLimitTest.reachesTheLimit(point))
        .distinct();
  }
}
