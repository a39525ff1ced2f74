package dev.stowage.cluster;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.protocol.StorageOverloadedException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * A manifest entity as Cluster Sharding starts it in cluster mode: it becomes the {@link
 * dev.stowage.actors.entity.ManifestEntity} only once it holds one of its node's {@link
 * EntityPermits} (INV-18), and gives the permit back once it has stopped, whatever stopped it (a
 * failed entity, a crash, the node's end), after the entity's own PostStop has told its node. Until
 * then it loads nothing and publishes nothing: it keeps, in order, the commands that arrive for it,
 * and hands them to the entity once it runs.
 *
 * <p>Its stop message while it waits: with no command waiting it stops at once (it never ran);
 * otherwise the entity serves them first, and then gets the stop, told again to itself once it runs.
 * So the entity stops in its own behavior, which hears its PostStop (unstashed, the stop would stop
 * it in the middle of the unstashing, and the PostStop would go to this waiting behavior instead).
 * Nothing arrives after a stop message that the stop must precede: the shard buffers what comes
 * for a stopping entity, and only an entity that runs is sent anything else. A tree transaction's
 * hold does not wait: it takes a permit beyond the limit ({@link EntityPermits#takeBeyondLimit}).
 */
final class PermittedEntity extends AbstractBehavior<Object> {

  /**
   * Most messages waiting for a permit, as many as the entity's own stash: the façade's admission
   * bounds the calls in flight; past it a command is refused with {@link StorageOverloadedException}.
   */
  static final int STASH_CAPACITY = 100_000;

  /** The permit waited for has been granted. */
  private enum Granted { INSTANCE }

  /** An entity that runs as {@code entity} once it holds one of {@code permits}. */
  static Behavior<Object> create(EntityPermits permits, Supplier<Behavior<Object>> entity) {
    return Behaviors.setup(context -> {
      EntityPermits.Permit permit = permits.request(context.getSelf(), () -> context.getSelf().tell(Granted.INSTANCE));
      Behavior<Object> gate = permits.isHeld(permit)
          ? entity.get()
          : Behaviors.withStash(STASH_CAPACITY, stash -> new PermittedEntity(context, stash, permits, permit, entity));
      return Behaviors.intercept(() -> new PermitKeeper(permits, permit), gate);
    });
  }

  private final StashBuffer<Object> stash;
  private final EntityPermits permits;
  private final EntityPermits.Permit permit;
  private final Supplier<Behavior<Object>> entity;
  /** The stop message that came while commands wait: the entity gets it once it has served them. */
  private Object stop;

  private PermittedEntity(ActorContext<Object> context, StashBuffer<Object> stash, EntityPermits permits,
      EntityPermits.Permit permit, Supplier<Behavior<Object>> entity) {
    super(context);
    this.stash = stash;
    this.permits = permits;
    this.permit = permit;
    this.entity = entity;
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Granted.INSTANCE, this::run)
        .onMessage(EntityCommand.Hold.class, this::onHold)
        .onMessage(Object.class, PermittedEntity::isStop, this::onStop)
        .onAnyMessage(message -> {
          keep(message);
          return this;
        })
        .build();
  }

  /** Holds a permit: the entity runs, serves what waited, in order, then gets the stop if one came. */
  private Behavior<Object> run() {
    Behavior<Object> running = stash.unstashAll(entity.get());
    if (stop != null) {
      getContext().getSelf().tell(stop);
    }
    return running;
  }

  private Behavior<Object> onHold(EntityCommand.Hold hold) {
    keep(hold);
    // if it was granted meanwhile, Granted is on its way: the hold waits for it behind the others
    return permits.takeBeyondLimit(permit) ? run() : this;
  }

  private Behavior<Object> onStop(Object message) {
    if (stash.isEmpty()) {
      return Behaviors.stopped(); // it never ran: nothing to flush, and the shard sent it nothing else
    }
    if (stop == null) { // a second one (a hand-off's, after a passivation's) stops it no more
      stop = message;
    }
    return this;
  }

  /** What stops an entity: its host's stop message, or its workspace's failure. */
  private static boolean isStop(Object message) {
    return message == EntityCommand.Lifecycle.FLUSH_AND_STOP || message == EntityCommand.Lifecycle.DISCARD_AND_STOP
        || message instanceof EntityCommand.Fail;
  }

  private void keep(Object message) {
    if (stash.isFull()) {
      EntityCommand.refuse(message, new StorageOverloadedException(stash.capacity() + " calls wait for an entity of"
          + " this node to stop (entity.max-active): this one was refused, retry once some have completed"));
      getContext().getLog().warn("{} dropped: {} messages wait for a permit to run", message, stash.capacity());
    } else {
      stash.stash(message);
    }
  }

  /**
   * Keeps the permit's account: tells it once the entity, or this waiting behavior, has been told to
   * stop and has not stopped at once ({@link EntityPermits#stopping}), and gives it back once the
   * entity has stopped, after the entity's own PostStop, which tells its node so.
   */
  private static final class PermitKeeper extends BehaviorInterceptor<Object, Object> {
    private final EntityPermits permits;
    private final EntityPermits.Permit permit;

    PermitKeeper(EntityPermits permits, EntityPermits.Permit permit) {
      super(Object.class);
      this.permits = permits;
      this.permit = permit;
    }

    @Override
    public Behavior<Object> aroundReceive(TypedActorContext<Object> context, Object message,
        BehaviorInterceptor.ReceiveTarget<Object> target) {
      Behavior<Object> next = target.apply(context, message);
      if (isStop(message) && Behavior.isAlive(next)) {
        permits.stopping(permit);
      }
      return next;
    }

    @Override
    public Behavior<Object> aroundSignal(TypedActorContext<Object> context, Signal signal,
        BehaviorInterceptor.SignalTarget<Object> target) {
      if (!(signal instanceof PostStop)) {
        return target.apply(context, signal);
      }
      try {
        return target.apply(context, signal);
      } finally {
        permits.giveBack(permit);
      }
    }
  }
}
