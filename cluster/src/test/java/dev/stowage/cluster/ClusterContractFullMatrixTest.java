package dev.stowage.cluster;

import dev.stowage.actors.ConfigurationMatrix;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The façade contract over the full product of the configuration matrix in cluster mode (a
 * cluster per point, so minutes): only under {@code -Preliability} ({@code
 * -Dstowage.test.matrix=full}). The default run covers every pair of values ({@link
 * ClusterContractMatrixTest}).
 */
@ParameterizedClass(name = "{0}")
@MethodSource("points")
@EnabledIfSystemProperty(named = "stowage.test.matrix", matches = "full")
@DisplayName("WorkspaceStorage contract over the configuration matrix (cluster mode, full product)")
class ClusterContractFullMatrixTest extends ClusterModeContract {

  @Parameter String point;

  static List<String> points() {
    return ConfigurationMatrix.beyondTheDefault();
  }

  @Override
  protected String configuration() {
    return ConfigurationMatrix.configuration(point);
  }

  @Override
  protected boolean entriesStayCached() {
    return ConfigurationMatrix.entriesStayCached(point);
  }
}
