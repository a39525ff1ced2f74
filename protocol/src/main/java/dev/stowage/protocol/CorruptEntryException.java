package dev.stowage.protocol;

/**
 * A stored entry cannot be read back: it fails to decrypt (tampered bytes, a row moved to another
 * id, a wrong key) or to decode. Only that entry is affected; others stay readable.
 */
public final class CorruptEntryException extends StorageException {
  private static final long serialVersionUID = 1L;

  public CorruptEntryException(String message) {
    super(message);
  }

  public CorruptEntryException(String message, Throwable cause) {
    super(message, cause);
  }
}
