package dev.stowage.actors.workspace;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.StorageException;

/**
 * Whoever opened a workspace, told of its lifecycle by the {@link WorkspaceSupervisor}: local
 * mode's {@link WorkspaceRegistry}, cluster mode's node. Called on the supervisor's thread.
 */
public interface WorkspaceOwner {

  /** The workspace is open: {@code storage} is its façade. */
  void opened(WorkspaceStorage storage);

  /** It could not be opened; every file is released already. */
  void openFailed(StorageException cause);

  /** It began closing: a later open must wait for {@link #released} and open it afresh. */
  void closing();

  /** Every file is released (after close or failure): the workspace may be opened again. */
  void released();
}
