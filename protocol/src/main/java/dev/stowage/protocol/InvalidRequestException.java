package dev.stowage.protocol;

/**
 * The request itself is wrong and was refused before it changed anything: a null or malformed id,
 * a manifest whose id differs from its key, a negative version, a chunk over {@code
 * max-chunk-size}, an invalid configuration value, a key that does not open the workspace, a call
 * the workspace's mode does not offer (a backup in cluster mode), a workspace open elsewhere ({@link
 * WorkspaceInUseException}).
 */
public class InvalidRequestException extends StorageException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }

  public InvalidRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
