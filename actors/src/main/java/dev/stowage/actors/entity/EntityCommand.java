package dev.stowage.actors.entity;

import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.StorageException;

/**
 * What a {@link ManifestEntity} is told besides the manifest commands of the public protocol (which
 * clients send it): by its host, when to flush and stop; by its workspace, that it failed.
 */
public sealed interface EntityCommand permits EntityCommand.Lifecycle, EntityCommand.Fail {

  /**
   * When to flush and stop. Both modes send {@link #FLUSH} and {@link #FLUSH_AND_STOP}; a host that
   * stops its entities itself (local mode's supervisor) sends the stops directly, while a host whose
   * entities ask to be stopped (cluster mode's shard, whose stop message is {@link #FLUSH_AND_STOP})
   * is reached through the two {@code ASK_HOST_TO_STOP} commands. Crosses nodes: serializable.
   */
  enum Lifecycle implements EntityCommand, CborSerializable {
    /** Flush if dirty (max-dirty exceeded). */
    FLUSH,
    /** Flush if dirty, then stop (passivation, max-active, clearMemoryCache(true), close). */
    FLUSH_AND_STOP,
    /** Drop what is not yet sent, then stop (clearMemoryCache(false)). */
    DISCARD_AND_STOP,
    /**
     * Ask the host to stop this entity, which it does with {@link #FLUSH_AND_STOP} (cluster mode:
     * clearMemoryCache(true), close).
     */
    ASK_HOST_TO_STOP,
    /**
     * Drop what is not yet sent, then ask the host to stop this entity (cluster mode:
     * clearMemoryCache(false)). The host forgets the entity's dirty state itself.
     */
    DISCARD_AND_ASK_HOST_TO_STOP
  }

  /** The workspace failed: answer everything pending with {@code cause} and stop, writing nothing. */
  record Fail(StorageException cause) implements EntityCommand {}
}
