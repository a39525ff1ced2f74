package dev.stowage.protocol;

/**
 * The workspace's database cannot be used: it was invalidated after an operational error (disk
 * full, I/O error, corruption, a statement that tried to end the transaction), or it could not be
 * opened (locked by another process, not a database, a schema newer than this code). The cause
 * carries the original error. Nothing written after the last successful commit was kept; re-opening
 * the workspace is the recovery path.
 */
public class StorageFailedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageFailedException(String message) {
    super(message);
  }

  public StorageFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
