package dev.stowage.actors.facade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The rules of {@link EntityDirectory}: no send into a stopping entity, none ahead of a routed command. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntityDirectoryTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final EntryId id = EntryId.random();

  @Test
  @DisplayName("INV-18: a closed handle lets nobody in; the last caller out of it tells the supervisor")
  void theLastCallerOutOfAClosedHandleSaysItIsDrained() {
    EntityDirectory directory = EntityDirectory.create();
    TestProbe<StorageCommand.ManifestCommand> entity = testKit.createTestProbe();
    TestProbe<FacadeMessage> supervisor = testKit.createTestProbe();
    EntityHandle handle = directory.publish(id, entity.ref());

    EntityHandle first = directory.enterFor(id);
    EntityHandle second = directory.enterFor(id);
    assertThat(first).isSameAs(handle).isSameAs(second);
    assertThat(handle.close()).as("two callers inside: not drained yet").isFalse();
    assertThat(directory.enterFor(id)).as("closed: through the supervisor from now on").isNull();

    directory.leave(id, first, supervisor.ref());
    supervisor.expectNoMessage();
    directory.leave(id, second, supervisor.ref());
    assertThat(supervisor.receiveMessage()).isEqualTo(new FacadeMessage.Drained(id, handle));
  }

  @Test
  void closingAnEmptyHandleIsDrainedAtOnce() {
    EntityDirectory directory = EntityDirectory.create();
    EntityHandle handle = directory.publish(id, testKit.<StorageCommand.ManifestCommand>createTestProbe().ref());
    TestProbe<FacadeMessage> supervisor = testKit.createTestProbe();
    EntityHandle entered = directory.enterFor(id);
    directory.leave(id, entered, supervisor.ref());

    assertThat(handle.close()).isTrue();
    supervisor.expectNoMessage();
    directory.remove(id, handle);
    assertThat(directory.size()).isZero();
  }

  @Test
  @DisplayName("INV-17: while a command for an id is on its way through the supervisor, none goes straight to the entity")
  void nothingOvertakesACommandOnItsWayThroughTheSupervisor() {
    EntityDirectory directory = EntityDirectory.create();
    directory.publish(id, testKit.<StorageCommand.ManifestCommand>createTestProbe().ref());

    directory.routing(id);
    assertThat(directory.enterFor(id)).isNull();
    directory.routed(id);
    assertThat(directory.enterFor(id)).isNotNull();
  }

  @Test
  void theDisabledDirectoryNeverLetsAnyoneThrough() {
    EntityDirectory.NONE.publish(id, testKit.<StorageCommand.ManifestCommand>createTestProbe().ref());
    assertThat(EntityDirectory.NONE.enterFor(id)).isNull();
    assertThat(EntityDirectory.NONE.size()).isZero();
  }
}
