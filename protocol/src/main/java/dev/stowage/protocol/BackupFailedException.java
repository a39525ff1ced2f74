package dev.stowage.protocol;

/**
 * A backup or a restore was not made, and nothing was changed: the workspace (the one backed up,
 * or the one a restore would have replaced) is exactly as it was and keeps working. The message
 * names the file and why: a destination that cannot be written or exists already, a file that is
 * not a Stowage backup (not a database, truncated, another program's database, a schema newer
 * than this code), or a backup the key does not open.
 */
public final class BackupFailedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public BackupFailedException(String message) {
    super(message);
  }

  public BackupFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
