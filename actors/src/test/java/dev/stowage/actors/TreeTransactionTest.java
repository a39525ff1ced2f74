package dev.stowage.actors;

import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link TreeTransactionContract} in local mode; the move invariant over points of the
 * configuration matrix that make entities passivate, evict and flush under the transactions.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class TreeTransactionTest extends TreeTransactionContract {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Override
  protected WorkspaceNodes nodes() {
    return WorkspaceNodes.single(testKit.system());
  }

  @Override
  protected Stream<Arguments> matrix() {
    return Stream.concat(Stream.of(
        Arguments.of(11L, "cache.max-dirty = 3"),
        Arguments.of(23L, "entity.passivate-after = 1ms, entity.max-active = 4, cache.max-dirty = 1,"
            + " durability = full, group-commit.max-batch = 1"),
        Arguments.of(37L, "entity.passivate-after = 20ms, entity.max-active = 12, read-connections = 0")),
        fullProductIfAsked(4));
  }
}
