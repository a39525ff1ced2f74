package dev.stowage.protocol;

/** The manifest, chunk or block asked for is neither cached nor stored. */
public final class EntryMissingException extends StorageException {
  private static final long serialVersionUID = 1L;

  public EntryMissingException(String message) {
    super(message);
  }

  public EntryMissingException(String message, Throwable cause) {
    super(message, cause);
  }

  public static EntryMissingException manifest(EntryId id) {
    return new EntryMissingException("no manifest " + id);
  }

  public static EntryMissingException chunk(ChunkId id) {
    return new EntryMissingException("no chunk " + id);
  }

  public static EntryMissingException block(ChunkId id) {
    return new EntryMissingException("no block " + id);
  }
}
