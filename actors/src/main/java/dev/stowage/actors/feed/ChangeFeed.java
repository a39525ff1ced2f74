package dev.stowage.actors.feed;

import dev.stowage.protocol.WorkspaceEvent;
import dev.stowage.protocol.WorkspaceEvent.EventsMissed;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The subscribers of one workspace on one node, and what it hands them.
 *
 * <ul>
 *   <li>Each subscriber has a queue of its own ({@code Source.queue}), bounded: {@link #deliver} never
 *       waits for a subscriber, and a slow one slows nobody.
 *   <li>When a subscriber's queue is full, the event is dropped for it alone, and {@link
 *       EventsMissed} takes its place in the queue, counting every event dropped there. Two places
 *       are kept free beyond the buffer: one for that mark, one for the last event ({@link #end}),
 *       so a subscriber always learns, where it happened, that it missed events and how many, and
 *       that the feed ended.
 *   <li>Delivery to one subscriber is serialized (a lock of its own, held for two queue offers), so
 *       the events one entity publishes in order reach it in that order.
 * </ul>
 *
 * In local mode it is also the {@link ChangePublisher} of the workspace's entities: active while
 * someone subscribes. In cluster mode the entities publish to the node's relay, which delivers here.
 */
public final class ChangeFeed implements ChangePublisher {
  private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean changedSinceBacklog = new AtomicBoolean(true);
  private final AtomicBoolean newSubscriber = new AtomicBoolean();
  private final Runnable subscribersChanged;
  private volatile WorkspaceEvent ended;

  /** A feed whose subscribers only this node's publishers reach (local mode). */
  public ChangeFeed() {
    this(() -> { });
  }

  /**
   * @param subscribersChanged told (on the thread that subscribed or unsubscribed) whenever a
   *     subscriber came or went: cluster mode's relay tells the other nodes whether this one wants
   *     events
   */
  public ChangeFeed(Runnable subscribersChanged) {
    this.subscribersChanged = subscribersChanged;
  }

  @Override
  public boolean active() {
    return !subscribers.isEmpty();
  }

  @Override
  public void publish(WorkspaceEvent event) {
    deliver(event);
  }

  /** Hands {@code event} to every subscriber of this node. */
  public void deliver(WorkspaceEvent event) {
    if (!(event instanceof WorkspaceEvent.OutboundBacklogChanged)) {
      changedSinceBacklog.set(true);
    }
    for (Subscriber subscriber : subscribers) {
      subscriber.offer(event);
    }
  }

  /** Tells every subscriber that {@code count} events did not reach this node (cluster mode: a gap in a peer's sequence). */
  public void missed(long count) {
    for (Subscriber subscriber : subscribers) {
      subscriber.missed(count);
    }
  }

  /** Whether anything changed since the last call, and someone listens: then the backlog is worth computing again. */
  public boolean backlogWanted() {
    return active() && changedSinceBacklog.getAndSet(false);
  }

  /** Whether someone subscribed since the last call: the backlog goes out again even if it did not change. */
  public boolean takeNewSubscriber() {
    return newSubscriber.getAndSet(false);
  }

  /** Something that changes the backlog without an event of its own happened (a chunk written or cleared). */
  public void backlogChanged() {
    if (active()) { // a new subscriber starts with it set
      changedSinceBacklog.set(true);
    }
  }

  /**
   * A new subscriber's stream of events, from when it is materialized (each materialization is a
   * subscriber of its own), with a buffer of {@code bufferSize} events. Cancelling the stream
   * unsubscribes it.
   */
  public Source<WorkspaceEvent, NotUsed> subscribe(int bufferSize) {
    return Source.fromMaterializer((materializer, attributes) -> {
      Subscriber subscriber = new Subscriber(bufferSize);
      return Source.queue(bufferSize + 2)
          .mapMaterializedValue(queue -> {
            subscriber.attach(queue);
            changedSinceBacklog.set(true); // its first backlog comes at the next tick
            newSubscriber.set(true);
            subscribers.add(subscriber);
            WorkspaceEvent last = ended;
            if (last != null && subscribers.remove(subscriber)) { // ended as it subscribed
              subscriber.end(last);
            }
            subscribersChanged.run();
            return NotUsed.getInstance();
          })
          .map(subscriber::emitted)
          .watchTermination((notUsed, done) -> {
            done.whenComplete((ok, error) -> {
              if (subscribers.remove(subscriber)) {
                subscribersChanged.run();
              }
            });
            return NotUsed.getInstance();
          });
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /** The workspace closed or failed: every subscriber gets {@code last}, then its stream completes. */
  public void end(WorkspaceEvent last) {
    if (ended == null) {
      ended = last;
    }
    for (Subscriber subscriber : subscribers) {
      if (subscribers.remove(subscriber)) {
        subscriber.end(last);
      }
    }
    subscribersChanged.run();
  }

  /** How many subscribe on this node now. */
  public int subscribers() {
    return subscribers.size();
  }

  /**
   * One subscriber: its queue, whose items are events and marks of what was dropped ({@link Mark}).
   * A mark stands where the events it counts would have been: a drop with no event queued since the
   * last mark adds to that mark, else a new mark is queued. Regular events take at most {@code
   * bufferSize} places, so a mark always finds the place kept for it (the last queued item before
   * a new mark is an event, queued with room to spare), and the last event of {@link #end} the other.
   * The consumer turns a mark into {@link EventsMissed} as it takes it ({@link #emitted}), with
   * its count then; later drops start a new mark.
   */
  private static final class Subscriber {
    private final int bufferSize;
    private BoundedSourceQueue<Object> queue;
    /** The mark at the end of the queue, still counting; null once an event is queued after it or it is taken. */
    private Mark open;

    Subscriber(int bufferSize) {
      this.bufferSize = bufferSize;
    }

    synchronized void attach(BoundedSourceQueue<Object> queue) {
      this.queue = queue;
    }

    synchronized void offer(WorkspaceEvent event) {
      if (queue.size() < bufferSize && queue.offer(event).isEnqueued()) {
        open = null;
      } else {
        missed(1);
      }
    }

    synchronized void missed(long count) {
      if (open != null) {
        open.count += count;
      } else {
        Mark mark = new Mark(count);
        if (queue.offer(mark).isEnqueued()) {
          open = mark;
        } // else the stream has ended or been cancelled: nobody to tell
      }
    }

    /** What the consumer gets for a queued item: the event, or for a mark how many were dropped there. */
    synchronized WorkspaceEvent emitted(Object item) {
      if (item instanceof Mark mark) {
        if (open == mark) {
          open = null;
        }
        return new EventsMissed(mark.count);
      }
      return (WorkspaceEvent) item;
    }

    synchronized void end(WorkspaceEvent last) {
      queue.offer(last); // the last place is kept for it
      queue.complete();
    }
  }

  /** Where events were dropped for a subscriber, and how many. Guarded by its subscriber. */
  private static final class Mark {
    long count;

    Mark(long count) {
      this.count = count;
    }
  }
}
