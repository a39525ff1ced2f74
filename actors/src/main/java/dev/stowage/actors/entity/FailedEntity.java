package dev.stowage.actors.entity;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A {@link ManifestEntity} after its workspace or its backend failed (INV-6): every manifest
 * command is answered with the failure, nothing is written, and it stops when its host stops it,
 * telling its host once it has ({@link EntityHost#stopped}), as the entity would have.
 */
final class FailedEntity {
  private FailedEntity() {}

  /** A backend's error as the failure the entity answers with from now on. */
  static StorageException asStorageFailure(Throwable cause) {
    return cause instanceof StorageException storage
        ? storage
        : new StorageFailedException("the data database failed: " + cause, cause);
  }

  /** Answers with {@code cause}; {@code stopped} runs from its PostStop (the entity's behavior no longer gets it). */
  static Behavior<Object> create(StorageException cause, Runnable stopped) {
    return Behaviors.receive(Object.class)
        .onMessage(ManifestCommand.class, command -> {
          StatusReplies.error(command, cause);
          return Behaviors.same();
        })
        .onMessage(EntityCommand.Hold.class, hold -> {
          hold.refuse(cause);
          return Behaviors.same();
        })
        .onMessage(EntityCommand.Update.class, update -> {
          EntityCommand.refuse(update, cause);
          return Behaviors.same();
        })
        .onMessage(EntityCommand.Fail.class, failure -> Behaviors.stopped())
        .onMessageEquals(EntityCommand.Lifecycle.FLUSH_AND_STOP, Behaviors::stopped)
        .onMessageEquals(EntityCommand.Lifecycle.DISCARD_AND_STOP, Behaviors::stopped)
        .onAnyMessage(other -> Behaviors.same())
        .onSignal(PostStop.class, signal -> {
          stopped.run();
          return Behaviors.same();
        })
        .build();
  }
}
