package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.WorkspaceEvent;
import dev.stowage.protocol.WorkspaceEvent.ChangeCause;
import dev.stowage.protocol.WorkspaceEvent.EventsMissed;
import dev.stowage.protocol.WorkspaceEvent.ManifestChanged;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The relay of a workspace's change feed on one node ({@link FeedRelay}), without a cluster: its
 * topic then reaches this node only, which is enough to see what it decides.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class FeedRelayTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  @DisplayName("Entities publish only while some node has a subscriber: the relays tell each other")
  void eventsAreWantedOnlyWhileSomeoneSubscribes() {
    AtomicBoolean wanted = new AtomicBoolean();
    FeedRelay.Handle handle = new FeedRelay.Handle(testKit.spawn(FeedRelay.create("w", wanted)), wanted);
    ChangeFeed feed = handle.newFeed();
    handle.relay().tell(new FeedRelay.Register(feed));
    assertThat(handle.publisher().active()).as("nobody subscribes yet").isFalse();

    List<WorkspaceEvent> received = new CopyOnWriteArrayList<>();
    UniqueKillSwitch subscription = feed.subscribe(10).viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(received::add)).run(testKit.system());
    eventually(() -> assertThat(handle.publisher().active()).isTrue());

    EntryId id = EntryId.random();
    handle.publisher().publish(new ManifestChanged(id, true, ChangeCause.LOCAL_WRITE));
    eventually(() -> assertThat(received).containsExactly(new ManifestChanged(id, true, ChangeCause.LOCAL_WRITE)));

    subscription.shutdown();
    eventually(() -> assertThat(handle.publisher().active()).as("the last subscriber left").isFalse());
  }

  @Test
  @DisplayName("A gap in another node's numbers reaches the subscribers as EventsMissed, before the next event")
  void aGapInANodesNumbersIsToldAsMissed() {
    AtomicBoolean wanted = new AtomicBoolean();
    FeedRelay.Handle handle = new FeedRelay.Handle(testKit.spawn(FeedRelay.create("w", wanted)), wanted);
    ChangeFeed feed = handle.newFeed();
    handle.relay().tell(new FeedRelay.Register(feed));
    List<WorkspaceEvent> received = new CopyOnWriteArrayList<>();
    feed.subscribe(10).runWith(Sink.foreach(received::add), testKit.system());
    eventually(() -> assertThat(feed.subscribers()).isEqualTo(1));

    ManifestChanged first = new ManifestChanged(EntryId.random(), false, ChangeCause.POPULATE);
    ManifestChanged fifth = new ManifestChanged(EntryId.random(), true, ChangeCause.TRANSACTION);
    handle.relay().tell(new FeedRelay.Numbered("other node", 1, first));
    handle.relay().tell(new FeedRelay.Numbered("other node", 5, fifth));
    eventually(() -> assertThat(received).containsExactly(first, new EventsMissed(3), fifth));
  }

  private void eventually(Runnable assertion) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertion.run();
      return null;
    });
  }
}
