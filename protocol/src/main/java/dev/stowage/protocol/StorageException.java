package dev.stowage.protocol;

/**
 * The root of every error Stowage reports. Unchecked: a failed {@code CompletionStage} of the
 * façade carries one of the subclasses as its cause.
 *
 * <p>Every subclass keeps a {@code (String)} and a {@code (String, Throwable)} constructor, so a
 * reply that carries one can be rebuilt by name on another node.
 */
public abstract class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected StorageException(String message) {
    super(message);
  }

  protected StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
