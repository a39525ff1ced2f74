package dev.stowage.actors;

import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link LinearizabilityContract} in local mode, over a pairwise covering set of the configuration
 * matrix: durability {normal, full} × group-commit max-batch {1000, 1} × entity.max-active {small,
 * large} × passivate-after {1 or 20 ms, 2 minutes}; every pair of values of every two settings
 * runs in one of the rows.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class LinearizabilityTest extends LinearizabilityContract {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Override
  protected WorkspaceNodes nodes() {
    return WorkspaceNodes.single(testKit.system());
  }

  @Override
  protected Stream<Arguments> matrix() {
    return Stream.concat(Stream.of(
        Arguments.of(17L, "entity.passivate-after = 20ms, entity.max-active = 5, cache.max-dirty = 3"),
        Arguments.of(4242L, "entity.passivate-after = 20ms, entity.max-active = 5, cache.max-dirty = 3,"
            + " durability = full, group-commit.max-batch = 1"),
        Arguments.of(90210L, "entity.passivate-after = 20ms, entity.max-active = 5, cache.max-dirty = 3,"
            + " durability = full"),
        // Churn: entities stop after every burst and one is alive at a time, so commands sent straight
        // to an entity keep racing its stop (EntityDirectory), and reads race it through the published values.
        Arguments.of(31337L, "entity.passivate-after = 1ms, entity.max-active = 1, cache.max-dirty = 1,"
            + " group-commit.max-batch = 1"),
        Arguments.of(8L, "entity.passivate-after = 1ms, entity.max-active = 2, cache.max-dirty = 1,"
            + " read-connections = 0, durability = full"),
        // Entities stay: every key's values live in its entity until close.
        Arguments.of(2718L, "cache.max-dirty = 3"),
        Arguments.of(1618L, "entity.max-active = 1, durability = full, group-commit.max-batch = 1"),
        Arguments.of(1414L, "entity.passivate-after = 1ms, durability = full, group-commit.max-batch = 1")),
        fullProductIfAsked(5));
  }
}
