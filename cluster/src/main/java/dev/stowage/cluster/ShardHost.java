package dev.stowage.cluster;

import dev.stowage.actors.entity.EntityHost;
import dev.stowage.protocol.EntryId;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The host of a manifest entity in cluster mode: the shard that runs it stops it (the shard
 * buffers commands meanwhile and hands them to a successor, as the local supervisor does), and the
 * node's workspace supervisor hears its dirty state, its start and its stop: that is how the
 * supervisor knows which entities this node hosts, without asking the shard.
 */
final class ShardHost implements EntityHost {
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Consumer<EntityHost.Event> events;

  ShardHost(ActorRef<ClusterSharding.ShardCommand> shard, Consumer<EntityHost.Event> events) {
    this.shard = shard;
    this.events = events;
  }

  @Override
  public void report(EntityHost.Event event) {
    events.accept(event);
  }

  @Override
  public void passivate(ActorRef<Object> entity, EntryId id) {
    shard.tell(new ClusterSharding.Passivate<>(entity));
  }

  @Override
  public void started(ActorRef<Object> entity, EntryId id) {
    events.accept(new EntityHost.Started(id, entity));
  }

  @Override
  public void stopped(ActorRef<Object> entity, EntryId id) {
    events.accept(new EntityHost.Stopped(id, entity));
  }

  @Override
  public void backendFailed(ActorRef<Object> entity, EntryId id) {
    passivate(entity, id); // its successor reloads from the shared store
  }
}
