package dev.stowage.cluster;

import dev.stowage.actors.LinearizabilityContract;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link LinearizabilityContract} in cluster mode, on a one-node cluster over the test PostgreSQL:
 * with local mode's rows ({@code LinearizabilityTest}) these two make the set pairwise over mode
 * too (every value of every setting runs in both modes).
 */
class ClusterLinearizabilityTest extends LinearizabilityContract {
  @RegisterExtension static final OneNodeCluster CLUSTER = new OneNodeCluster("stowage-cluster-lin");

  @Override
  protected ActorSystem<?> system() {
    return CLUSTER.node();
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
