package dev.stowage.actors;

import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link SoakContract} in local mode, in the soak's own configuration (entities passivate after 50
 * ms, at most 300 live, max-dirty 100): one ActorSystem, every client on it.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class SoakTest extends SoakContract {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Override
  protected WorkspaceNodes nodes() {
    return WorkspaceNodes.single(testKit.system());
  }

  @Override
  protected Stream<String> matrix() {
    return Stream.of(SOAK_SETTINGS);
  }
}
