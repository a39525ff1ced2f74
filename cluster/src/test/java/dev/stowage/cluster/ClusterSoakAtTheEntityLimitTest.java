package dev.stowage.cluster;

import dev.stowage.actors.SoakContract;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link SoakContract} in cluster mode at the points where a node's entities reach {@code
 * entity.max-active} (300) and stay (passivate-after 2 minutes): the point durability normal,
 * max-batch 1000, by default, and the four of the {@link ConfigurationMatrix} under {@code
 * -Dstowage.test.matrix=full}. As {@link ClusterSoakTest} otherwise (three nodes), but with local
 * mode's calls per round: with a third of them a node's entities stay below the limit.
 *
 * <p>INV-18 is strict there: every entity runs only while it holds one of its node's {@link
 * EntityPermits}. Without them a node's live entities went past the limit (307 and 305, then 309 and
 * 302, of 300): past its active entity limit the shard starts the new entity at once and sends its
 * least recently used one the stop message, which flushes before it stops, so both are live a while.
 *
 * <p>The cluster has {@value #SHARDS} shards per workspace: 300 divides by any number of them a node
 * may run, so each node's share of Cluster Sharding's limit is the whole limit, not a few less (its
 * limit is divided among a node's shards, rounded down), and the entities of a node do sit at the
 * limit. With the default 100 shards, a node's share is often some dozen below it, which hid the
 * overshoot in most runs.
 */
class ClusterSoakAtTheEntityLimitTest extends SoakContract {
  /** Shards per workspace: any number of them divides 300. */
  static final int SHARDS = 6;

  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-soak-limit", 3,
      "stowage.cluster.number-of-shards = " + SHARDS);

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
