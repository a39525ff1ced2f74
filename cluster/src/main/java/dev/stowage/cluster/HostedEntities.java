package dev.stowage.cluster;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.actors.workspace.DirtyTracker;
import dev.stowage.actors.workspace.StopWaiters;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The entities of one workspace that Cluster Sharding runs on this node, as they report their
 * start, their stop and their dirty state ({@link ShardHost}): used on the node's workspace
 * supervisor's thread only. The shard passivates them (idle, or past {@code entity.max-active}) and
 * buffers their commands meanwhile; this class knows which run here without asking the shard.
 *
 * <ul>
 *   <li>Max-dirty and need-sync (INV-5, for the entries cached on this node): the {@link
 *       DirtyTracker} holds both rules; past {@code cache.max-dirty} the oldest are asked to flush.
 *   <li>Stopping them all (clearMemoryCache, close, failure): each is asked to passivate, flushing
 *       or discarding first, and the caller is answered once each has reported its stop, not
 *       before, and with no deadline of its own.
 * </ul>
 */
final class HostedEntities {
  private final DirtyTracker dirty;
  /** Asks the entity of an id to flush, wherever the shard runs it. */
  private final Consumer<EntryId> flush;
  private final Map<EntryId, ActorRef<Object>> hosted = new HashMap<>();
  /** clearMemoryCache calls and the close, each waiting for the entities hosted here when it began. */
  private final StopWaiters<ActorRef<Object>, Consumer<StatusReply<Done>>> drains = new StopWaiters<>();

  HostedEntities(int maxDirty, Consumer<EntryId> flush) {
    this.dirty = new DirtyTracker(maxDirty);
    this.flush = flush;
  }

  int live() {
    return hosted.size();
  }

  DirtyTracker dirty() {
    return dirty;
  }

  /** Handles an entity's report; returns whether {@code message} was one. */
  boolean onMessage(SupervisorMessage message) {
    if (message instanceof EntityHost.Dirty reported) {
      dirty.reported(reported.id(), reported.needSync(), reported.deleted());
      dirty.overMax(id -> true).forEach(flush); // the shard reaches every entity
    } else if (message instanceof EntityHost.Clean clean) {
      dirty.forget(clean.id());
    } else if (message instanceof EntityHost.Started started) {
      if (!ShardPreallocation.isOwn(started.id())) { // those stop at once, holding nothing
        hosted.put(started.id(), started.entity());
      }
    } else if (message instanceof EntityHost.Stopped stopped) {
      hosted.remove(stopped.id(), stopped.entity());
      dirty.forget(stopped.id()); // a stopped entity holds nothing dirty any more (it flushed, or dropped it)
      drains.stopped(stopped.entity()).forEach(done -> done.accept(StatusReply.ack()));
    } else {
      return message instanceof EntityHost.Idle; // the shard passivates idle entities itself
    }
    return true;
  }

  /**
   * Asks every entity hosted here to passivate (flushing, or discarding first); {@code done} is
   * told once each has reported its stop ({@link EntityHost#stopped}).
   */
  void drain(boolean flush, Consumer<StatusReply<Done>> done) {
    EntityCommand.Lifecycle how = flush ? EntityCommand.Lifecycle.ASK_HOST_TO_STOP : EntityCommand.Lifecycle.DISCARD_AND_ASK_HOST_TO_STOP;
    Set<ActorRef<Object>> remaining = new HashSet<>(hosted.values());
    hosted.forEach((id, entity) -> {
      if (!flush) {
        dirty.forget(id); // INV-11: dropped unwritten
      }
      entity.tell(how);
    });
    if (!drains.await(remaining, done)) {
      done.accept(StatusReply.ack());
    }
  }

  /** Answers whoever waits for a drain with {@code cause}. */
  void failWaiters(StorageException cause) {
    drains.takeAll().forEach(done -> done.accept(StatusReply.error(cause)));
  }
}
