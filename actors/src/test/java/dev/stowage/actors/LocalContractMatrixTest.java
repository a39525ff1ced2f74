package dev.stowage.actors;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The façade contract over the configuration matrix of issue 14, in local mode: durability
 * {normal, full} × group-commit max-batch {1000, 1} × entity.max-active {large, 1} × passivate-after
 * {minutes, 1 ms}. The default run ({@link WorkspaceStorageTest}: normal, 1000, 100,000, 2 minutes)
 * and these four form a pairwise covering set: every pair of values of every two settings runs in
 * one of the five. Cluster mode runs the contract in its default configuration
 * ({@code ClusterModeContractTest}).
 */
@DisplayName("WorkspaceStorage contract over the configuration matrix (local mode, pairwise)")
class LocalContractMatrixTest {

  private static String point(String durability, int maxBatch, int maxActive, String passivateAfter) {
    return "stowage.durability = " + durability + "\n"
        + "stowage.group-commit.max-batch = " + maxBatch + "\n"
        + "stowage.entity.max-active = " + maxActive + "\n"
        + "stowage.entity.passivate-after = " + passivateAfter + "\n";
  }

  /** A point of the matrix: each has max-active 1 or passivate-after 1 ms, so entities come and go within a test. */
  abstract class Point extends LocalModeContract {
    @Override
    protected boolean entriesStayCached() {
      return false;
    }
  }

  @Nested
  @DisplayName("durability normal, max-batch 1, max-active 1, passivate-after 1 ms")
  class OneOfEachOnNormalDurability extends Point {
    @Override
    protected String configuration() {
      return point("normal", 1, 1, "1 ms");
    }
  }

  @Nested
  @DisplayName("durability full, max-batch 1000, max-active 1, passivate-after 1 ms")
  class FullDurabilityGroupCommitOneEntity extends Point {
    @Override
    protected String configuration() {
      return point("full", 1000, 1, "1 ms");
    }
  }

  @Nested
  @DisplayName("durability full, max-batch 1, max-active 100000, passivate-after 1 ms")
  class FullDurabilityNoBatchingQuickPassivation extends Point {
    @Override
    protected String configuration() {
      return point("full", 1, 100_000, "1 ms");
    }
  }

  @Nested
  @DisplayName("durability full, max-batch 1, max-active 1, passivate-after 2 minutes")
  class FullDurabilityNoBatchingOneEntity extends Point {
    @Override
    protected String configuration() {
      return point("full", 1, 1, "2 minutes");
    }
  }
}
