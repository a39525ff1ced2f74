package dev.stowage.protocol;

/**
 * The workspace is open already, elsewhere: in another program (whose writer holds the lock file
 * beside each database), or in another {@code ActorSystem} of this process. A usage error, not a
 * failure: nothing failed and nothing was changed. Close it there first, or use the storage of the
 * system that has it open (opening it again in the same {@code ActorSystem} returns that one).
 */
public final class WorkspaceInUseException extends InvalidRequestException {
  private static final long serialVersionUID = 1L;

  public WorkspaceInUseException(String message) {
    super(message);
  }

  public WorkspaceInUseException(String message, Throwable cause) {
    super(message, cause);
  }
}
