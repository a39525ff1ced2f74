package dev.stowage.actors.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageOverloadedException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The coordinator's limits in time, with a scripted {@link TransactionBackend}: the test answers
 * its holds (or does not) as entities would, and sees what it sends back.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class ManifestTransactionTimingTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final EntryId ROOT = EntryId.random();

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  /** Hands every hold and commit the coordinator sends to probes. */
  private record ScriptedBackend(TestProbe<EntityCommand.Hold> holds, TestProbe<ActorRef<StatusReply<Done>>> commits)
      implements TransactionBackend {
    @Override
    public void hold(EntityCommand.Hold hold) {
      holds.ref().tell(hold);
    }

    @Override
    public void commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> replyTo) {
      commits.ref().tell(replyTo);
    }
  }

  private static ManifestChange change(EntryId id) {
    return ManifestChange.replace(new FolderManifest(id, ROOT, 1, true, Instant.EPOCH, Map.of()),
        new FolderManifest(id, ROOT, 2, true, Instant.EPOCH, Map.of()));
  }

  private static HoldReply.Held held(EntityCommand.Hold hold, TestProbe<Object> entity) {
    return new HoldReply.Held(hold.id(), entity.ref(), new byte[] {1}, 1, true, List.of(), -1, hold.round());
  }

  /** Two ids, the lower first. */
  private static List<EntryId> sortedIds() {
    EntryId x = EntryId.random();
    EntryId y = EntryId.random();
    return x.compareTo(y) < 0 ? List.of(x, y) : List.of(y, x);
  }

  @Test
  @DisplayName("SPEC 6b: a first round whose answers are late is let go, and the entries are taken again one after the other in the order of ids; the transaction then commits")
  void aLateFirstRoundIsRetakenInOrder() {
    List<EntryId> ids = sortedIds();
    ScriptedBackend backend = new ScriptedBackend(testKit.createTestProbe(), testKit.createTestProbe());
    TestProbe<StatusReply<Done>> caller = testKit.createTestProbe();
    TestProbe<Object> entityA = testKit.createTestProbe();
    TestProbe<Object> entityB = testKit.createTestProbe();
    testKit.spawn(ManifestTransaction.create(new UpdateManifests(List.of(change(ids.get(1)), change(ids.get(0))),
        caller.ref()), backend, Duration.ofSeconds(30)));

    EntityCommand.Hold firstA = backend.holds().receiveMessage(WAIT);
    EntityCommand.Hold firstB = backend.holds().receiveMessage(WAIT);
    assertThat(List.of(firstA.id(), firstB.id())).containsExactlyElementsOf(ids);
    assertThat(firstA.waits()).as("the first round asks all at once, without waiting").isFalse();
    firstA.holder().tell(held(firstA, entityA)); // b never answers in time

    EntityCommand.Release letGo = entityA.expectMessageClass(EntityCommand.Release.class, WAIT);
    assertThat(letGo.outcomeUnknown()).isFalse();
    EntityCommand.Hold againA = backend.holds().receiveMessage(WAIT);
    assertThat(againA.id()).isEqualTo(ids.get(0));
    assertThat(againA.waits()).as("taken in order: each hold waits for the transaction before it").isTrue();
    backend.holds().expectNoMessage(Duration.ofMillis(200)); // b only once a is held
    againA.holder().tell(held(againA, entityA));
    EntityCommand.Hold againB = backend.holds().receiveMessage(WAIT);
    assertThat(againB.id()).isEqualTo(ids.get(1));
    firstB.holder().tell(held(firstB, entityB)); // the first round's late answer: let go at once
    entityB.expectMessageClass(EntityCommand.Release.class, WAIT);
    againB.holder().tell(held(againB, entityB));

    backend.commits().receiveMessage(WAIT).tell(StatusReply.ack());
    assertThat(caller.receiveMessage(WAIT).isSuccess()).isTrue();
    entityA.expectMessageClass(EntityCommand.Apply.class, WAIT);
    entityB.expectMessageClass(EntityCommand.Apply.class, WAIT);
  }

  @Test
  @DisplayName("SPEC 6b: a transaction that cannot hold every entry within ask-timeout lets go of what it holds and fails with StorageOverloadedException; nothing is committed")
  void holdingLongerThanTheLimitFails() {
    List<EntryId> ids = sortedIds();
    ScriptedBackend backend = new ScriptedBackend(testKit.createTestProbe(), testKit.createTestProbe());
    TestProbe<StatusReply<Done>> caller = testKit.createTestProbe();
    TestProbe<Object> entityA = testKit.createTestProbe();
    testKit.spawn(ManifestTransaction.create(new UpdateManifests(List.of(change(ids.get(0)), change(ids.get(1))),
        caller.ref()), backend, Duration.ofMillis(400)));

    EntityCommand.Hold firstA = backend.holds().receiveMessage(WAIT);
    EntityCommand.Hold firstB = backend.holds().receiveMessage(WAIT);
    firstA.holder().tell(held(firstA, entityA));
    firstB.holder().tell(new HoldReply.Busy(firstB.id(), firstB.round())); // another transaction holds b
    entityA.expectMessageClass(EntityCommand.Release.class, WAIT);
    EntityCommand.Hold againA = backend.holds().receiveMessage(WAIT);
    againA.holder().tell(held(againA, entityA));
    EntityCommand.Hold againB = backend.holds().receiveMessage(WAIT); // waits for b: never answered

    StatusReply<Done> reply = caller.receiveMessage(WAIT);
    assertThat(reply.isError()).isTrue();
    assertThat(reply.getError()).isInstanceOf(StorageOverloadedException.class)
        .hasMessageContaining("held 1 of them");
    EntityCommand.Release release = entityA.expectMessageClass(EntityCommand.Release.class, WAIT);
    assertThat(release.outcomeUnknown()).as("nothing was sent to commit").isFalse();
    assertThat(againB.id()).isEqualTo(ids.get(1));
    backend.commits().expectNoMessage(Duration.ofMillis(100));
  }
}
