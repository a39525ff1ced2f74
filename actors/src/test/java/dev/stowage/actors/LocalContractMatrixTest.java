package dev.stowage.actors;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The façade contract over the full product of local mode's configuration matrix, as Caffeine runs
 * its suite over every cache configuration: durability {normal, full} × group-commit max-batch
 * {1000, 1} × entity.max-active {100,000, 1} × passivate-after {2 minutes, 1 ms}. The default
 * point runs in {@link WorkspaceStorageTest}, with local mode's own tests; these are the other 15.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("points")
@DisplayName("WorkspaceStorage contract over the configuration matrix (local mode, full product)")
class LocalContractMatrixTest extends LocalModeContract {

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
