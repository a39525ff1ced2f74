package dev.stowage.cluster;

import dev.stowage.actors.SoakContract;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SoakContract} in cluster mode at the points where a node's entities reach {@code
 * entity.max-active} (300) and stay (passivate-after 2 minutes): the point durability normal,
 * max-batch 1000, by default, and the four of the {@link ConfigurationMatrix} under {@code
 * -Dstowage.test.matrix=full}. As {@link ClusterSoakTest} otherwise (three nodes), but with local
 * mode's calls per round: with a third of them a node's entities stay below the limit.
 *
 * <p>Disabled: INV-18 does not hold there. Run it with {@code
 * -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}.
 */
@Disabled("bug: in cluster mode a node's live entities exceed entity.max-active (INV-18). Past the limit the shard"
    + " starts the new entity at once and passivates its least recently used one with the stop message, which flushes"
    + " before it stops; until it has stopped both are live. Seen: 307 and 305, then 309 and 302, live entities of max-active 300 on two"
    + " of the three nodes (64 clients, 2,000 keys, durability normal, max-batch 1000, passivate-after 2 minutes);"
    + " every key's history was linearizable")
class ClusterSoakAtTheEntityLimitTest extends SoakContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-soak-limit", 3);

  /** Whether a node's entities reach max-active at {@code point} and stay: 300 of them, and no passivation in minutes. */
  static boolean reachesTheLimit(String point) {
    return point.contains("entity.max-active = 300") && point.contains("entity.passivate-after = 2 minutes");
  }

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected Stream<String> matrix() {
    return Stream.concat(Stream.of(soakPoint("durability = normal, group-commit.max-batch = 1000,"
            + " entity.max-active = 300, entity.passivate-after = 2 minutes")), fullProductIfAsked())
        .filter(ClusterSoakAtTheEntityLimitTest::reachesTheLimit)
        .distinct();
  }
}
