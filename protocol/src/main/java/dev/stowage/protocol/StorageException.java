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

  /**
   * The exception of class {@code className} with {@code message}, rebuilt by its {@code (String)}
   * constructor: how a failure that crossed nodes as its class and message is thrown again.
   *
   * @throws ReflectiveOperationException if there is no such subclass, or it cannot be built
   */
  public static StorageException rebuilt(String className, String message) throws ReflectiveOperationException {
    Class<?> type = Class.forName(className);
    if (!StorageException.class.isAssignableFrom(type)) {
      throw new ClassNotFoundException(className + " is not a " + StorageException.class.getName());
    }
    return (StorageException) type.getConstructor(String.class).newInstance(message);
  }
}
