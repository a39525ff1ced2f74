package dev.stowage.storage;

import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.WorkspaceInUseException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The OS lock a database's writer holds on its lock file for as long as it is open: what refuses a
 * second program (INV-12) now that the databases run in SQLite's normal locking mode, so that
 * reader connections can share them. The lock is advisory: it keeps out whoever opens the
 * workspace the way Stowage does (another Stowage, {@code bin/stowage inspect/fsck}). The OS
 * releases it when the process dies, however it dies; the empty file stays.
 */
final class FileLockHolder {
  private final FileChannel channel;
  private final FileLock lock;

  private FileLockHolder(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock on {@code lockFile} (created, mode 0600, if missing) on behalf of {@code
   * databaseFile}.
   *
   * @throws WorkspaceInUseException if another program (or another writer in this process) holds it
   * @throws StorageFailedException if the lock file cannot be created or opened
   */
  static FileLockHolder acquire(Path lockFile, Path databaseFile) {
    FileChannel channel;
    try {
      if (!Files.exists(lockFile)) {
        try {
          Files.createFile(lockFile, Posix.ownerOnlyFile());
        } catch (FileAlreadyExistsException raced) {
          // another opener created it first: the lock below decides
        }
      }
      channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
    } catch (IOException | UnsupportedOperationException e) {
      throw new StorageFailedException("cannot open " + databaseFile + ": its lock file " + lockFile
          + " cannot be created or opened (" + e + ")", e);
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return new FileLockHolder(channel, lock);
      }
    } catch (OverlappingFileLockException | IOException e) {
      closeQuietly(channel);
      throw locked(databaseFile, e);
    }
    closeQuietly(channel);
    throw locked(databaseFile, null);
  }

  private static WorkspaceInUseException locked(Path databaseFile, Exception detail) {
    return new WorkspaceInUseException("cannot open " + databaseFile + ": another program has this workspace open"
        + " (it holds the lock file beside it); close it there first", new LockHeldException(detail));
  }

  void release() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it as well
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }

  /** The cause of a refusal because the lock is held: {@link SqliteFailure#of} reads it as LOCKED. */
  static final class LockHeldException extends IOException {
    LockHeldException(Exception detail) {
      super("the lock file is held by another program", detail);
    }
  }
}
