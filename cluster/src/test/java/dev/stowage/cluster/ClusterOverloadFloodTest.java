package dev.stowage.cluster;

import dev.stowage.actors.OverloadFloodContract;
import dev.stowage.actors.OverloadSettings.WhenFull;
import dev.stowage.actors.WorkspaceNodes;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link OverloadFloodContract} in cluster mode, on a three-node cluster over the test PostgreSQL:
 * each node's façade, which admits on its own (the limits are per workspace and node), floods from
 * a thread of its own, and most of its calls go to entities on the other nodes and to PostgreSQL.
 * The heap bound is three façades' worth; the three nodes share the test's JVM.
 *
 * <p>The default run floods in {@code when-full = wait} (the default mode, and the one whose queue
 * holds the most) for 10 s: a run of both modes at the local lengths (then 30 s and 5 s) took 90 s
 * here, three nodes and PostgreSQL on two cores. {@code -Dstowage.overload.flood-seconds} (the
 * {@code reliability} profile sets 120) floods in both modes for that long.
 */
class ClusterOverloadFloodTest extends OverloadFloodContract {
  @RegisterExtension static final TestClusterExtension CLUSTER = new TestClusterExtension("stowage-cluster-flood", 3);

  @Override
  protected WorkspaceNodes nodes() {
    return CLUSTER;
  }

  @Override
  protected Stream<WhenFull> modes() {
    return floodSecondsAsked() ? super.modes() : Stream.of(WhenFull.WAIT);
  }

  @Override
  protected int floodSeconds(WhenFull mode) {
    return 10;
  }
}
