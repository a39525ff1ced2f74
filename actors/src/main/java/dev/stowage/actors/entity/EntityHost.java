package dev.stowage.actors.entity;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Whoever hosts a {@link ManifestEntity}: it hears the entity's dirty state ({@link
 * EntityHost.Dirty}, {@link EntityHost.Clean}) and stops it on request, buffering the
 * commands that arrive meanwhile for a successor (INV-18). Local mode: the workspace's {@link
 * dev.stowage.actors.workspace.LocalEntityPool}, in its supervisor. Cluster mode: the shard that runs the entity, plus the
 * node's workspace supervisor.
 */
public interface EntityHost {

  /** What an entity tells its host (local mode's supervisor receives them as its own messages). */
  public sealed interface Event extends SupervisorMessage permits Dirty, Clean, Idle, Started, Stopped, Unstorable {}

  /** The entry is dirty; the cache says {@code needSync} (or {@code deleted}: a clear not yet committed). */
  public record Dirty(EntryId id, boolean needSync, boolean deleted) implements Event {}

  public record Clean(EntryId id) implements Event {}

  /** The entity has been idle for {@code passivate-after}: please stop me. */
  public record Idle(EntryId id) implements Event {}

  /** The entity of {@code id} runs (for a host that counts its entities: {@link EntityHost#started}). */
  public record Started(EntryId id, ActorRef<Object> entity) implements Event {}

  /** The entity of {@code id} has stopped ({@link EntityHost#stopped}). */
  public record Stopped(EntryId id, ActorRef<Object> entity) implements Event {}

  /** The entity of {@code id} holds a value it cannot store ({@link EntityHost#cannotStore}): the workspace fails. */
  public record Unstorable(EntryId id, StorageFailedException cause) implements Event {}

  /** The entity became dirty or clean, or its need-sync changed. */
  void report(Event event);

  /** The entity has been idle for {@code passivate-after}: stop it (with its stop message). */
  void passivate(ActorRef<Object> entity, EntryId id);

  /**
   * The entity's backend failed and the entity now answers every command with the failure. Local
   * mode leaves it so (the supervisor fails the whole workspace, INV-6); cluster mode stops it, so
   * that a fresh incarnation reloads from the shared store.
   */
  void backendFailed(ActorRef<Object> entity, EntryId id);

  /**
   * The entity holds a value it accepted and cannot store (it does not encode: the checks at the
   * call let through what the codec refuses), and now answers every command with {@code cause}.
   * An acknowledged write must not vanish without a word: local mode fails the whole workspace
   * (INV-6, fail closed: close reports it too); cluster mode, by default, passivates the entity as
   * after a backend failure, and its successor reloads the last stored value.
   */
  default void cannotStore(ActorRef<Object> entity, EntryId id, StorageFailedException cause) {
    backendFailed(entity, id);
  }

  /**
   * The entity runs: told once, from its start. A host that must know which entities it hosts
   * without watching them (cluster mode, where the shard is their parent) counts them this way.
   */
  default void started(ActorRef<Object> entity, EntryId id) {}

  /**
   * The entity has stopped, for whatever reason (told from its {@code PostStop}, after its
   * published value is withdrawn). Told once, after {@link #started}.
   */
  default void stopped(ActorRef<Object> entity, EntryId id) {}

  /** The host of local mode: a supervisor, which receives the events as its own messages and watches its entities. */
  static EntityHost supervisor(ActorRef<Event> supervisor) {
    return new EntityHost() {
      @Override
      public void report(Event event) {
        supervisor.tell(event);
      }

      @Override
      public void passivate(ActorRef<Object> entity, EntryId id) {
        supervisor.tell(new EntityHost.Idle(id));
      }

      @Override
      public void backendFailed(ActorRef<Object> entity, EntryId id) {
        // the data gateway told the supervisor too: it fails the workspace and stops every entity
      }

      @Override
      public void cannotStore(ActorRef<Object> entity, EntryId id, StorageFailedException cause) {
        supervisor.tell(new Unstorable(id, cause)); // no gateway failed: the supervisor hears it from here
      }
    };
  }
}
