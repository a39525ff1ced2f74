package dev.stowage.actors.common;

import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;

/**
 * Whether a workspace has failed (INV-6) or is closing (INV-10), readable by any thread: what every
 * call checks before anything else, those that reach an entity or a reader without the supervisor
 * included.
 *
 * <p>Whoever first learns of a failure, a gateway on its own thread, records it here <em>before</em>
 * it answers anybody with it. Every later call checks it before anything else, the façade's reads
 * from {@link PublishedManifests} and the entities' answers from their caches included. So once
 * one call has completed with {@link StorageFailedException}, every call made after that fails the
 * same way, even one that would otherwise be answered from memory without reaching a database.
 */
public final class WorkspaceHealth {
  private volatile StorageException cause;
  private volatile boolean closing;

  /** Records the first failure; later ones are ignored (the first is what broke the workspace). */
  public void record(StorageException failure) {
    if (cause == null) {
      synchronized (this) {
        if (cause == null) {
          cause = failure;
        }
      }
    }
  }

  public boolean failed() {
    return cause != null;
  }

  /** The supervisor began closing: from now on calls go to it, which answers them as closed. */
  public void markClosing() {
    closing = true;
  }

  /** Whether calls must not bypass the supervisor any more: the workspace failed or is closing. */
  public boolean ending() {
    return closing || cause != null;
  }

  /** The recorded failure, or null. */
  public StorageException cause() {
    return cause;
  }

  /**
   * An exception for one more call on the failed workspace: a fresh {@link StorageFailedException}
   * (with the original as its cause, so each stack trace is the caller's), or null if not failed.
   */
  public StorageException forNextCall() {
    StorageException failure = cause;
    if (failure == null) {
      return null;
    }
    return failure instanceof StorageFailedException ? new StorageFailedException(failure.getMessage(), failure)
        : failure;
  }
}
