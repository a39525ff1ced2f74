package dev.stowage.storage;

import java.sql.SQLException;
import org.sqlite.SQLiteException;

/**
 * What went wrong in SQLite, from its primary result code, in words a user can act on.
 *
 * <p>Every failure inside a transaction invalidates the database (INV-6): the operational ones
 * (full, I/O, corrupt, not a database, read-only, locked) are what disks and other processes do; the
 * rest would be a bug in Stowage, and a transaction in an unknown state must not be committed either.
 */
public enum SqliteFailure {
  DISK_FULL(13, "is full (the disk, or the database's page limit)"),
  IO_ERROR(10, "had an I/O error"),
  CORRUPT(11, "is corrupt"),
  NOT_A_DATABASE(26, "is not a SQLite database"),
  READ_ONLY(8, "is read-only"),
  CANNOT_OPEN(14, "cannot be opened"),
  LOCKED(5, "is locked by another process or connection"),
  OUT_OF_MEMORY(7, "ran out of memory"),
  /** A statement that would have ended the gateway's transaction behind its back (INV-7). */
  TRANSACTION_ENDED(-1, "had its transaction ended by a statement"),
  OTHER(-2, "failed");

  private final int primaryCode;
  private final String description;

  SqliteFailure(int primaryCode, String description) {
    this.primaryCode = primaryCode;
    this.description = description;
  }

  /** How the database file is described in an error message: "data_v1.sqlite is full ...". */
  public String description() {
    return description;
  }

  /** True for the failures a disk, a file system or another process causes (not a Stowage bug). */
  public boolean operational() {
    return this != OTHER;
  }

  /** The failure a SQLite result code (primary or extended) stands for; {@link #OTHER} for an unknown one. */
  public static SqliteFailure ofCode(int code) {
    int primary = code & 0xff;
    if (primary == 6) {
      return LOCKED;
    }
    for (SqliteFailure failure : values()) {
      if (failure.primaryCode == primary) {
        return failure;
      }
    }
    return OTHER;
  }

  /** The failure behind {@code error}: its SQLite result code, or {@link #OTHER} if it has none. */
  public static SqliteFailure of(Throwable error) {
    if (error instanceof FileLockHolder.LockHeldException) {
      return LOCKED; // the writer's lock file, which another program holds
    }
    if (!(error instanceof SQLException sql)) {
      return OTHER;
    }
    int code = sql instanceof SQLiteException sqlite ? sqlite.getResultCode().code : sql.getErrorCode();
    return ofCode(code); // SQLITE_LOCKED reads the same to a user as SQLITE_BUSY
  }
}
