package dev.stowage.protocol;

/** The workspace storage was closed (by {@code close()} or by the ActorSystem shutting down). */
public final class StorageClosedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageClosedException(String message) {
    super(message);
  }

  public StorageClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
