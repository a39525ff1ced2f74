package dev.stowage.protocol;

/**
 * The call was not admitted: the workspace already had as much work in flight as {@code
 * stowage.overload} allows (calls, or chunk and block bytes), and either {@code when-full = fail}
 * or, with {@code when-full = wait}, the call waited {@code max-wait} without a place coming free,
 * or the queue of waiting calls was full too. Nothing was sent and nothing changed: the workspace
 * stays open, every call admitted before it goes on, and the call can be retried once fewer are
 * in flight (after some of the host's earlier calls have completed). The message names the limit
 * that was reached.
 */
public final class StorageOverloadedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageOverloadedException(String message) {
    super(message);
  }

  public StorageOverloadedException(String message, Throwable cause) {
    super(message, cause);
  }
}
