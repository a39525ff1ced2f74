package dev.stowage.actors;

import dev.stowage.protocol.EntryId;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Whoever hosts a {@link ManifestEntity}: it hears the entity's dirty state ({@link
 * ManifestEntity.Dirty}, {@link ManifestEntity.Clean}) and stops it on request, buffering the
 * commands that arrive meanwhile for a successor (INV-18). Local mode: the workspace's {@link
 * LocalEntityPool}, in its supervisor. Cluster mode: the shard that runs the entity, plus the
 * node's workspace supervisor.
 */
public interface EntityHost {

  /** The entity became dirty or clean, or its need-sync changed. */
  void report(ManifestEntity.Event event);

  /** The entity has been idle for {@code passivate-after}: stop it (with its stop message). */
  void passivate(ActorRef<Object> entity, EntryId id);

  /**
   * The entity's backend failed and the entity now answers every command with the failure. Local
   * mode leaves it so (the supervisor fails the whole workspace, INV-6); cluster mode stops it, so
   * that a fresh incarnation reloads from the shared store.
   */
  void backendFailed(ActorRef<Object> entity, EntryId id);

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
  static EntityHost supervisor(ActorRef<ManifestEntity.Event> supervisor) {
    return new EntityHost() {
      @Override
      public void report(ManifestEntity.Event event) {
        supervisor.tell(event);
      }

      @Override
      public void passivate(ActorRef<Object> entity, EntryId id) {
        supervisor.tell(new ManifestEntity.Idle(id));
      }

      @Override
      public void backendFailed(ActorRef<Object> entity, EntryId id) {
        // the data gateway told the supervisor too: it fails the workspace and stops every entity
      }
    };
  }
}
