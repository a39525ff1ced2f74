package dev.stowage.actors.facade;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where the façade finds a live {@link dev.stowage.actors.entity.ManifestEntity}, so that a manifest command goes straight
 * to it instead of through the supervisor's mailbox: one thread handoff less per call. The
 * supervisor stays the only one that spawns and stops entities; this directory only lets callers
 * reach the ones it has started, under two rules that keep every guarantee of routing through it.
 *
 * <h2>Never to a stopping entity (INV-18)</h2>
 *
 * Each entity has an {@link EntityHandle} that callers {@linkplain EntityHandle#enter() enter} around
 * their send.
 * To stop an entity, the supervisor {@linkplain EntityHandle#close() closes} its handle first: later
 * callers find it closed and send through the supervisor, which buffers their commands for the
 * successor as before. The supervisor tells the entity to stop only once no caller is inside the
 * handle ({@link FacadeMessage.Drained}): every command sent straight to it is in its mailbox ahead of the stop.
 *
 * <h2>Never ahead of a command still on its way through the supervisor</h2>
 *
 * A caller whose first command went through the supervisor (no handle yet) must not have its
 * second overtake it by going straight to the entity. So the façade counts the commands it sends
 * through the supervisor ({@link #routing}), which the supervisor uncounts once it has passed them
 * on ({@link #routed}); while any is counted for an id ({@link StripedCounters}, as {@link
 * MutationsInFlight}), commands for that id go through the supervisor too, behind it. A caller's
 * commands for one manifest reach its entity in the order it made them.
 */
public final class EntityDirectory {
  private final ConcurrentHashMap<EntryId, EntityHandle> handles = new ConcurrentHashMap<>();
  private final StripedCounters viaSupervisor = new StripedCounters();
  private final boolean enabled;

  private EntityDirectory(boolean enabled) {
    this.enabled = enabled;
  }

  /** A directory for one workspace's entities. */
  public static EntityDirectory create() {
    return new EntityDirectory(true);
  }

  /** No entity is ever reached directly (cluster mode, or a host talking to the supervisor only). */
  public static final EntityDirectory NONE = new EntityDirectory(false);

  /**
   * The open handle of {@code id}'s entity, entered, if a command for it may go straight there; null
   * if it must go through the supervisor. The caller sends, then {@link #leave}s.
   */
  public EntityHandle enterFor(EntryId id) {
    if (!enabled || !viaSupervisor.isZero(id)) {
      return null;
    }
    EntityHandle handle = handles.get(id);
    return handle != null && handle.enter() ? handle : null;
  }

  /** Leaves {@code handle} after sending; tells {@code supervisor} if it was the last out of a closed one. */
  public void leave(EntryId id, EntityHandle handle, ActorRef<FacadeMessage> supervisor) {
    if (handle.exit()) {
      supervisor.tell(new FacadeMessage.Drained(id, handle));
    }
  }

  /**
   * Sends {@code message} straight to the live entity of {@code id} if a command for it may go there
   * ({@link #enterFor}); false if it must go through {@code supervisor} (which this does not do).
   */
  public boolean tellLive(EntryId id, Object message, ActorRef<FacadeMessage> supervisor) {
    EntityHandle handle = enterFor(id);
    if (handle == null) {
      return false;
    }
    try {
      handle.ref.<Object>unsafeUpcast().tell(message);
    } finally {
      leave(id, handle, supervisor);
    }
    return true;
  }

  /**
   * Sends {@code message} straight to the live entity of {@code id} if it may go there ({@link
   * #tellLive}), else through {@code supervisor}, which routes it to the entity (starting it, or
   * buffering it behind a passivation): a tree transaction's hold, from the façade or the supervisor.
   */
  public void tell(EntryId id, Object message, ActorRef<Object> supervisor) {
    if (!tellLive(id, message, supervisor.narrow())) {
      supervisor.tell(message);
    }
  }

  /** The façade is about to send a command for {@code id} through the supervisor. */
  public void routing(EntryId id) {
    viaSupervisor.increment(id);
  }

  /** The supervisor has passed on (or answered) a command counted by {@link #routing}. */
  public void routed(EntryId id) {
    viaSupervisor.decrement(id);
  }

  /** The supervisor started {@code ref} for {@code id} and sent it what it had for it. */
  public EntityHandle publish(EntryId id, ActorRef<StorageCommand.ManifestCommand> ref) {
    EntityHandle handle = new EntityHandle(ref);
    if (enabled) {
      handles.put(id, handle);
    }
    return handle;
  }

  /** The entity of {@code handle} stopped. */
  public void remove(EntryId id, EntityHandle handle) {
    handles.remove(id, handle);
  }

  /** EntityHandles held now (at most the live entities). */
  public int size() {
    return handles.size();
  }
}
