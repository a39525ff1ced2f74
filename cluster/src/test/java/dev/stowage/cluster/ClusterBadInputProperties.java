package dev.stowage.cluster;

import dev.stowage.actors.BadInputContract;
import dev.stowage.actors.ConfigurationMatrix;
import dev.stowage.actors.WorkspaceNodes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link BadInputContract} in cluster mode, on a three-node cluster over the test PostgreSQL (one
 * cluster for the class): each bad call goes through one of the three nodes, and every node must
 * read back what it read before. Two points by default, the first and the last of the {@link
 * ConfigurationMatrix} (durability normal, max-batch 1000, max-active 100,000, passivate-after 2
 * minutes; and full, 1, 1, 1 ms); {@code -Dstowage.test.matrix=full} adds the rest of the product.
 * Half of local mode's bad calls per point (150), each checked on all three nodes.
 */
@DisplayName("INV-19 on three nodes: bad input anywhere in the API, through any node, is a typed error that changes nothing")
class ClusterBadInputProperties extends BadInputContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-bad-input", 3);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected int badCallExamples() {
    return 150;
  }

  @Override
  protected Stream<String> matrix() {
    List<String> points = ConfigurationMatrix.product(1);
    return Stream.concat(Stream.of(points.get(0), points.get(points.size() - 1)), fullProductIfAsked()).distinct();
  }
}
