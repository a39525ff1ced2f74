package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.NotDeliveredException;
import dev.stowage.protocol.StorageCommand.GetManifest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link DroppedCommands} without a cluster: a command dropped as a shard region drops it at a
 * hand-off (a {@link Dropped} told to the dead letters actor, which publishes it) is answered.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class DroppedCommandsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String HAND_OFF = "Avoiding reordering of buffered messages at shard handoff";

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @BeforeEach
  void listen() {
    testKit.spawn(DroppedCommands.create());
    // the subscription is a message to the event stream: a first drop answered shows it is in place
    TestProbe<StatusReply<LocalManifest>> first = testKit.createTestProbe();
    first.awaitAssert(WAIT, () -> {
      drop(new ShardingEnvelope<>("w|first", new GetManifest(EntryId.random(), first.ref())));
      assertThat(first.receiveMessage(Duration.ofMillis(200)).isError()).isTrue();
      return null;
    });
  }

  @Test
  @DisplayName("A manifest command a region dropped at a hand-off is answered at once: not delivered, not applied")
  void aDroppedCommandIsAnswered() {
    TestProbe<StatusReply<LocalManifest>> caller = testKit.createTestProbe();
    EntryId id = EntryId.random();
    drop(new ShardingEnvelope<>("w|" + id, new GetManifest(id, caller.ref())));

    Throwable answer = caller.receiveMessage(WAIT).getError();
    assertThat(answer).isInstanceOf(NotDeliveredException.class)
        .hasMessageContaining(id.toString()).hasMessageContaining(HAND_OFF);
  }

  @Test
  @DisplayName("A tree transaction's hold that a region dropped is refused at once, so the transaction ends unapplied")
  void aDroppedHoldIsRefused() {
    TestProbe<HoldReply> holder = testKit.createTestProbe();
    EntryId id = EntryId.random();
    LocalManifest created = new FolderManifest(id, EntryId.random(), 1, false, Instant.EPOCH, Map.of());
    drop(new ShardingEnvelope<>("w|" + id, new EntityCommand.Hold(ManifestChange.create(created), holder.ref(), true, 2)));

    HoldReply.Refused refused = (HoldReply.Refused) holder.receiveMessage(WAIT);
    assertThat(refused.round()).isEqualTo(2);
    assertThat(refused.cause()).isInstanceOf(NotDeliveredException.class).hasMessageContaining(id.toString());
  }

  @Test
  @DisplayName("Dead letters that are not Stowage's commands are left alone, and the next dropped command is answered")
  void otherDeadLettersAreLeftAlone() {
    drop(new ShardingEnvelope<>("w|x", "not a command"));
    drop(StatusReply.ack());
    Adapter.toClassic(testKit.system()).deadLetters().tell("a plain dead letter", ActorRef.noSender());

    TestProbe<StatusReply<LocalManifest>> caller = testKit.createTestProbe();
    EntryId id = EntryId.random();
    // as a command sent to an entity that had just stopped: a dead letter, the command alone
    Adapter.toClassic(testKit.system()).deadLetters().tell(new GetManifest(id, caller.ref()),
        ActorRef.noSender());
    assertThat(caller.receiveMessage(WAIT).getError()).isInstanceOf(NotDeliveredException.class)
        .hasMessageContaining("dead letters");
  }

  /** What a shard region does with a message it drops ({@code MessageBufferMap.drop}). */
  private void drop(Object message) {
    Adapter.toClassic(testKit.system()).deadLetters().tell(
        new Dropped(message, HAND_OFF, ActorRef.noSender(), ActorRef.noSender()),
        ActorRef.noSender());
  }
}
