package dev.stowage.cluster;

import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.WorkspaceEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * The change feed of one workspace across the cluster: one actor per workspace on each node.
 *
 * <ul>
 *   <li>The entities of this node publish to it ({@link #publisher}); it numbers their events and
 *       publishes them on the workspace's topic (Pekko distributed pub-sub, {@link Topic}), which
 *       delivers them to the relay of every node that has the workspace's entities started, this
 *       one included.
 *   <li>Each relay hands what it receives to the feeds of this node's open workspace ({@link
 *       ChangeFeed}, registered by {@code ClusterWorkspace}), whose subscribers it reaches.
 *   <li>Only while someone subscribes somewhere: each relay tells the others, on the same topic,
 *       whether its node has subscribers ({@link Interest}, again every {@link #INTEREST_EVERY}, so
 *       a node that joins learns it; one not heard of for {@link #INTEREST_FOR} counts as none).
 *       While no node has one, the entities publish nothing: a write pays one volatile read.
 *   <li>Delivery is at most once, in order from one node to another (Pekko's ordering per pair of
 *       actors): one entry's events stay in order while its entity stays on one node. A relay that
 *       sees a gap in another node's numbers (messages lost, e.g. to a partition) tells its feeds'
 *       subscribers how many they missed ({@code EventsMissed}): nothing is lost in silence that
 *       the numbers can show.
 * </ul>
 */
final class FeedRelay {
  static final Duration INTEREST_EVERY = Duration.ofSeconds(2);
  static final Duration INTEREST_FOR = Duration.ofSeconds(7);

  private FeedRelay() {}

  interface Command {}

  /** What crosses nodes on the workspace's topic. */
  sealed interface Relayed extends Command, CborSerializable permits Numbered, Interest {}

  /** An entity of this node, or its workspace, publishes {@code event}. */
  record Publish(WorkspaceEvent event) implements Command {}

  /** One node's event, numbered by its relay ({@code origin}, one per relay incarnation). */
  record Numbered(String origin, long sequence, WorkspaceEvent event) implements Relayed {}

  /** Whether the node of relay {@code origin} has subscribers now. */
  record Interest(String origin, boolean subscribed) implements Relayed {}

  record Register(ChangeFeed feed) implements Command {}

  record Unregister(ChangeFeed feed) implements Command {}

  /** A subscriber of one of this node's feeds came or went. */
  enum SubscribersChanged implements Command { INSTANCE }

  private enum Tick implements Command { INSTANCE }

  /** The relay, and whether any node wants events now: what the entities of this node publish through. */
  record Handle(ActorRef<Command> relay, AtomicBoolean wanted) {
    ChangePublisher publisher() {
      return new ChangePublisher() {
        @Override
        public boolean active() {
          return wanted.get();
        }

        @Override
        public void publish(WorkspaceEvent event) {
          relay.tell(new Publish(event));
        }
      };
    }

    /** A feed of this node's subscribers, which tells the relay when they come and go. */
    ChangeFeed newFeed() {
      return new ChangeFeed(() -> relay.tell(SubscribersChanged.INSTANCE));
    }
  }

  static Behavior<Command> create(String workspaceId, AtomicBoolean wanted) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.setLoggerName(FeedRelay.class);
      ActorRef<Topic.Command<Relayed>> topic =
          context.spawn(Topic.create(Relayed.class, "stowage-feed-" + workspaceId), "topic");
      topic.tell(Topic.subscribe(context.getSelf().narrow()));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, INTEREST_EVERY);
      String origin = UUID.randomUUID().toString();
      long[] sent = {0};
      boolean[] subscribedHere = {false};
      Map<String, Long> received = new HashMap<>();
      Map<String, Long> interested = new HashMap<>(); // origin -> when last heard, nanos
      Set<ChangeFeed> feeds = new LinkedHashSet<>();
      Runnable decide = () -> {
        long now = System.nanoTime();
        interested.values().removeIf(heard -> now - heard > INTEREST_FOR.toNanos());
        wanted.set(!interested.isEmpty());
      };
      return Behaviors.receive(Command.class)
          .onMessage(Publish.class, publish -> {
            topic.tell(Topic.publish(new Numbered(origin, ++sent[0], publish.event())));
            return Behaviors.same();
          })
          .onMessage(Numbered.class, numbered -> {
            Long last = received.put(numbered.origin(), numbered.sequence());
            if (last != null && numbered.sequence() > last + 1) {
              long missed = numbered.sequence() - last - 1;
              context.getLog().warn("change feed of workspace '{}': {} events of a node did not arrive", workspaceId,
                  missed);
              feeds.forEach(feed -> feed.missed(missed));
            }
            feeds.forEach(feed -> feed.deliver(numbered.event()));
            return Behaviors.same();
          })
          .onMessage(Interest.class, interest -> {
            if (interest.subscribed()) {
              interested.put(interest.origin(), System.nanoTime());
            } else {
              interested.remove(interest.origin());
            }
            decide.run();
            return Behaviors.same();
          })
          .onMessageEquals(SubscribersChanged.INSTANCE, () -> {
            boolean now = feeds.stream().anyMatch(feed -> feed.subscribers() > 0);
            if (now != subscribedHere[0]) {
              subscribedHere[0] = now;
              topic.tell(Topic.publish(new Interest(origin, now)));
            }
            return Behaviors.same();
          })
          .onMessageEquals(Tick.INSTANCE, () -> {
            if (subscribedHere[0]) {
              topic.tell(Topic.publish(new Interest(origin, true)));
            }
            decide.run();
            return Behaviors.same();
          })
          .onMessage(Register.class, register -> {
            feeds.add(register.feed());
            context.getSelf().tell(SubscribersChanged.INSTANCE);
            return Behaviors.same();
          })
          .onMessage(Unregister.class, unregister -> {
            feeds.remove(unregister.feed());
            context.getSelf().tell(SubscribersChanged.INSTANCE);
            return Behaviors.same();
          })
          .build();
    }));
  }
}
