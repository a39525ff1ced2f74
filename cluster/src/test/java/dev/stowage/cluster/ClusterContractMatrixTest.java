package dev.stowage.cluster;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The façade contract over the configuration matrix of issue 14, in cluster mode. With local
 * mode's five runs ({@code WorkspaceStorageTest} and {@code LocalContractMatrixTest}) and the
 * default cluster run ({@link ClusterModeContractTest}: normal, 1000, 100,000, 2 minutes), these
 * points make the set pairwise over mode too: every value of every setting runs in both modes.
 */
@DisplayName("WorkspaceStorage contract over the configuration matrix (cluster mode, pairwise)")
class ClusterContractMatrixTest {

  @Nested
  @DisplayName("cluster mode: durability full, max-batch 1, max-active 1, passivate-after 1 ms")
  class EverythingSmall extends ClusterModeContract {
    @Override
    protected String configuration() {
      return "stowage.durability = full\n"
          + "stowage.group-commit.max-batch = 1\n"
          + "stowage.entity.max-active = 1\n"
          + "stowage.entity.passivate-after = 1 ms\n";
    }

    @Override
    protected boolean entriesStayCached() {
      return false;
    }
  }

  @Nested
  @DisplayName("cluster mode: durability normal, max-batch 1000, max-active 1, passivate-after 2 minutes")
  class OneEntityPerNode extends ClusterModeContract {
    @Override
    protected String configuration() {
      return "stowage.entity.max-active = 1\n";
    }

    @Override
    protected boolean entriesStayCached() {
      return false;
    }
  }
}
