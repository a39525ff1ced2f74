package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.ManifestChange;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link PermittedEntity} over {@link EntityPermits}, with a stand-in for the manifest entity that
 * tells a probe when it starts, what it receives and when it stops: who runs, who waits, and that
 * the commands of a waiting entity are neither lost nor reordered.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class PermittedEntityTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(200);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  @DisplayName("INV-18: past max-active an entity waits, its commands kept in order, until one holding a permit has stopped")
  void anEntityRunsOnlyWithAPermit() {
    EntityPermits permits = new EntityPermits(1);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    a.tell("a1");
    probe.expectMessage("a started");
    probe.expectMessage("a: a1");

    ActorRef<Object> b = spawn(permits, "b", probe);
    b.tell("b1");
    b.tell("b2");
    probe.expectNoMessage(QUIET);
    assertThat(permits.waiting()).isEqualTo(1);

    a.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectMessage("a: FLUSH_AND_STOP");
    probe.expectMessage("a stopped"); // before b starts: a's stop is told before its permit is handed on
    probe.expectMessage("b started");
    probe.expectMessage("b: b1");
    probe.expectMessage("b: b2");
    assertThat(permits.held()).isEqualTo(1);
    assertThat(permits.waiting()).isZero();
  }

  @Test
  @DisplayName("INV-18: a waiting entity's stop waits behind its commands; with no holder stopping, the longest holder is asked to stop")
  void aStopWaitsBehindTheCommands() {
    EntityPermits permits = new EntityPermits(1);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    probe.expectMessage("a started");
    ActorRef<Object> b = spawn(permits, "b", probe);
    b.tell("b1");
    probe.expectNoMessage(QUIET); // b waits: its shard has not told anyone to stop, as it would have past its limit

    // b's shard chose it to stop: it needs a permit to serve b1 first, and no holder is stopping
    b.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectMessage("a: ASK_HOST_TO_STOP");
    a.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP); // as a's shard answers it
    probe.expectMessage("a: FLUSH_AND_STOP");
    probe.expectMessage("a stopped");
    probe.expectMessage("b started");
    probe.expectMessage("b: b1");
    probe.expectMessage("b: FLUSH_AND_STOP");
    probe.expectMessage("b stopped");
    probe.expectTerminated(b, WAIT);
    eventually(() -> assertThat(permits.held()).isZero());
  }

  @Test
  @DisplayName("INV-18: a waiting entity told to stop asks no holder to stop while one is stopping already")
  void aStoppingHolderIsEnoughForAStoppingWaiter() {
    EntityPermits permits = new EntityPermits(2);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    probe.expectMessage("a started");
    ActorRef<Object> b = spawn(permits, "b", probe);
    probe.expectMessage("b started");
    a.tell("slow stop"); // a's stop will take a while (a flush in flight)
    probe.expectMessage("a: slow stop");
    a.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    a.tell("ping"); // once a has served it, its permit is known to be stopping (told after the stop is served)
    probe.expectMessage("a: FLUSH_AND_STOP");
    probe.expectMessage("a: ping");

    ActorRef<Object> c = spawn(permits, "c", probe);
    c.tell("c1");
    c.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectNoMessage(QUIET); // b is not asked: a's permit comes free once a has stopped
    a.tell("stopped now");
    probe.expectMessage("a: stopped now");
    probe.expectMessage("a stopped");
    probe.expectMessage("c started");
    probe.expectMessage("c: c1");
    probe.expectMessage("c: FLUSH_AND_STOP");
    probe.expectMessage("c stopped");
    eventually(() -> assertThat(permits.held()).isEqualTo(1));
    b.tell("b1");
    probe.expectMessage("b: b1");
  }

  @Test
  @DisplayName("A waiting entity stopped with nothing waiting stops at once, and stops waiting")
  void aStopWithNothingWaitingEndsTheWait() {
    EntityPermits permits = new EntityPermits(1);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    probe.expectMessage("a started");
    ActorRef<Object> b = spawn(permits, "b", probe);
    eventually(() -> assertThat(permits.waiting()).isEqualTo(1));

    b.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectTerminated(b, WAIT);
    assertThat(permits.waiting()).isZero();
    a.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectMessage("a: FLUSH_AND_STOP");
    probe.expectMessage("a stopped");
    eventually(() -> assertThat(permits.held()).isZero());
    probe.expectNoMessage(QUIET); // b never started
  }

  @Test
  @DisplayName("A tree transaction's hold does not wait for a permit: it takes one beyond the limit, which is not handed on")
  void aHoldTakesAPermitBeyondTheLimit() {
    EntityPermits permits = new EntityPermits(1);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    probe.expectMessage("a started");
    ActorRef<Object> b = spawn(permits, "b", probe);
    b.tell("b1");
    probe.expectNoMessage(QUIET);
    b.tell(hold());
    probe.expectMessage("b started");
    probe.expectMessage("b: b1");
    probe.expectMessage("b: Hold");
    assertThat(permits.held()).isEqualTo(2);

    ActorRef<Object> c = spawn(permits, "c", probe);
    c.tell("c1");
    b.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectMessage("b: FLUSH_AND_STOP");
    probe.expectMessage("b stopped");
    eventually(() -> assertThat(permits.held()).isEqualTo(1));
    probe.expectNoMessage(QUIET); // c waits still: the permit beyond the limit went with b

    a.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    probe.expectMessage("a: FLUSH_AND_STOP");
    probe.expectMessage("a stopped");
    probe.expectMessage("c started");
    probe.expectMessage("c: c1");
  }

  @Test
  @DisplayName("An entity that fails gives its permit back too")
  void aFailedEntityGivesItsPermitBack() {
    EntityPermits permits = new EntityPermits(1);
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<Object> a = spawn(permits, "a", probe);
    probe.expectMessage("a started");
    ActorRef<Object> b = spawn(permits, "b", probe);
    b.tell("b1");

    a.tell("fail");
    probe.expectMessage("a: fail");
    probe.expectMessage("a stopped");
    probe.expectMessage("b started");
    probe.expectMessage("b: b1");
  }

  /**
   * A stand-in for the manifest entity: tells {@code probe} it started, each message (by its class's
   * simple name but for strings and lifecycle commands), and that it stopped; stops on a stop
   * message (after "slow stop", only once "stopped now" follows it), and throws on "fail".
   */
  private ActorRef<Object> spawn(EntityPermits permits, String name, TestProbe<String> probe) {
    return testKit.spawn(PermittedEntity.create(permits, () -> recorder(name, probe.ref())));
  }

  private static Behavior<Object> recorder(String name, ActorRef<String> probe) {
    return Behaviors.setup(context -> {
      probe.tell(name + " started");
      boolean[] slowStop = {false}; // after "slow stop", a stop waits for "stopped now", as for a flush in flight
      boolean[] stopping = {false};
      return Behaviors.receive(Object.class)
          .onMessage(Object.class, message -> {
            String said = message instanceof String || message instanceof EntityCommand.Lifecycle
                ? message.toString() : message.getClass().getSimpleName();
            probe.tell(name + ": " + said);
            if (message.equals("fail")) {
              throw new IllegalStateException("failing on purpose");
            }
            slowStop[0] |= message.equals("slow stop");
            stopping[0] |= message == EntityCommand.Lifecycle.FLUSH_AND_STOP;
            boolean stopsNow = stopping[0] && (!slowStop[0] || message.equals("stopped now"));
            return stopsNow ? Behaviors.stopped() : Behaviors.same();
          })
          .onSignal(PostStop.class, signal -> {
            probe.tell(name + " stopped");
            return Behaviors.same();
          })
          .build();
    });
  }

  private EntityCommand.Hold hold() {
    EntryId id = EntryId.random();
    ActorRef<HoldReply> holder = testKit.<HoldReply>createTestProbe().ref();
    return new EntityCommand.Hold(ManifestChange.create(
        new FolderManifest(id, EntryId.random(), 1, false, Instant.EPOCH, Map.of())), holder, false, 0);
  }

  private void eventually(Runnable assertion) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertion.run();
      return null;
    });
  }
}
