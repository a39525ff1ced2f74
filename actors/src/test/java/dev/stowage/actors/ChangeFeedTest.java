package dev.stowage.actors;

import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link ChangeFeedContract} in local mode. */
@ExtendWith(TestKitJUnit5Extension.class)
class ChangeFeedTest extends ChangeFeedContract {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Override
  protected WorkspaceNodes nodes() {
    return WorkspaceNodes.single(testKit.system());
  }
}
