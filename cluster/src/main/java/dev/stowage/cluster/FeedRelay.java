package dev.stowage.cluster;

import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.WorkspaceEvent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 *   <li>Delivery is at most once, in order from one node to another (Pekko's ordering per pair of
 *       actors): one entry's events stay in order while its entity stays on one node. A relay that
 *       sees a gap in another node's numbers (messages lost, e.g. to a partition) tells its feeds'
 *       subscribers how many they missed ({@code EventsMissed}): nothing is lost in silence that
 *       the numbers can show.
 * </ul>
 */
final class FeedRelay {
  private FeedRelay() {}

  interface Command {}

  /** An entity of this node, or its workspace, publishes {@code event}. */
  record Publish(WorkspaceEvent event) implements Command {}

  /** One node's event, numbered by its relay ({@code origin}, one per relay incarnation); crosses nodes. */
  record Numbered(String origin, long sequence, WorkspaceEvent event) implements Command, CborSerializable {}

  record Register(ChangeFeed feed) implements Command {}

  record Unregister(ChangeFeed feed) implements Command {}

  /** What the entities and the workspace of this node publish to: always active, the subscribers may be elsewhere. */
  static ChangePublisher publisher(ActorRef<Command> relay) {
    return new ChangePublisher() {
      @Override
      public boolean active() {
        return true;
      }

      @Override
      public void publish(WorkspaceEvent event) {
        relay.tell(new Publish(event));
      }
    };
  }

  static Behavior<Command> create(String workspaceId) {
    return Behaviors.setup(context -> {
      context.setLoggerName(FeedRelay.class);
      ActorRef<Topic.Command<Numbered>> topic =
          context.spawn(Topic.create(Numbered.class, "stowage-feed-" + workspaceId), "topic");
      topic.tell(Topic.subscribe(context.getSelf().narrow()));
      String origin = UUID.randomUUID().toString();
      long[] sent = {0};
      Map<String, Long> received = new HashMap<>();
      Set<ChangeFeed> feeds = new LinkedHashSet<>();
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
          .onMessage(Register.class, register -> {
            feeds.add(register.feed());
            return Behaviors.same();
          })
          .onMessage(Unregister.class, unregister -> {
            feeds.remove(unregister.feed());
            return Behaviors.same();
          })
          .build();
    });
  }
}
