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
 *   <li>When a subscriber's queue is full, the event is dropped for it alone and counted; the next
 *       event it takes is preceded by {@link EventsMissed} with the count. Two places are kept free
 *       beyond the buffer: one for that mark, one for the last event ({@link #end}), so a
 *       subscriber always learns that it missed events and that the feed ended.
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
  private volatile WorkspaceEvent ended;

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

  /** Something that changes the backlog without an event of its own happened (a chunk written or cleared). */
  public void backlogChanged() {
    changedSinceBacklog.set(true);
  }

  /**
   * A new subscriber's stream of events, from when it is materialized (each materialization is a
   * subscriber of its own), with a buffer of {@code bufferSize} events. Cancelling the stream
   * unsubscribes it.
   */
  public Source<WorkspaceEvent, NotUsed> subscribe(int bufferSize) {
    return Source.fromMaterializer((materializer, attributes) -> {
      Subscriber subscriber = new Subscriber(bufferSize);
      return Source.<WorkspaceEvent>queue(bufferSize + 2)
          .mapMaterializedValue(queue -> {
            subscriber.attach(queue);
            subscribers.add(subscriber);
            WorkspaceEvent last = ended;
            if (last != null && subscribers.remove(subscriber)) { // ended as it subscribed
              subscriber.end(last);
            }
            return NotUsed.getInstance();
          })
          .mapConcat(subscriber::withMissedBefore)
          .watchTermination((notUsed, done) -> {
            done.whenComplete((ok, error) -> subscribers.remove(subscriber));
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
  }

  /** How many subscribe on this node now. */
  public int subscribers() {
    return subscribers.size();
  }

  /**
   * One subscriber: its queue, and how many events were dropped for it since it was last told. The
   * count goes out before the next event it takes ({@link #withMissedBefore}): a drop means its
   * queue was full, so there is a next one; if the queue emptied meanwhile, the mark is put in it
   * (the place kept for it).
   */
  private static final class Subscriber {
    private final int bufferSize;
    private BoundedSourceQueue<WorkspaceEvent> queue;
    private long missed;

    Subscriber(int bufferSize) {
      this.bufferSize = bufferSize;
    }

    synchronized void attach(BoundedSourceQueue<WorkspaceEvent> queue) {
      this.queue = queue;
    }

    synchronized void offer(WorkspaceEvent event) {
      if (queue.size() >= bufferSize || !queue.offer(event).isEnqueued()) {
        missed(1);
      }
    }

    synchronized void missed(long count) {
      missed += count;
      if (queue.size() == 0) {
        markMissed();
      }
    }

    synchronized java.util.List<WorkspaceEvent> withMissedBefore(WorkspaceEvent event) {
      if (missed == 0 || event instanceof EventsMissed) {
        return java.util.List.of(event);
      }
      long count = missed;
      missed = 0;
      return java.util.List.of(new EventsMissed(count), event);
    }

    private void markMissed() {
      if (queue.offer(new EventsMissed(missed)).isEnqueued()) {
        missed = 0;
      }
    }

    synchronized void end(WorkspaceEvent last) {
      if (missed > 0) {
        markMissed();
      }
      queue.offer(last); // the last place is kept for it
      queue.complete();
    }
  }
}
