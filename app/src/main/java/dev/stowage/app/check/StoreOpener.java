package dev.stowage.app.check;

import dev.stowage.app.CliError;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.WorkspaceInUseException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.SqliteFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a workspace's databases for the offline commands ({@code inspect}, {@code fsck}) the way
 * Stowage does (exclusive lock, key check), and sorts what can go wrong: a file that is damaged is
 * a {@link DamagedDatabase} (something to report), anything else (wrong key, locked, in use, newer
 * schema) is a {@link CliError} (the command cannot do its job).
 */
final class StoreOpener {
  private static final Pattern SQLITE_OWN_WORDS = Pattern.compile("\\(([^()]+)\\)\\s*$");

  private StoreOpener() {}

  /** A database file that exists but is not a sound SQLite database. */
  static final class DamagedDatabase extends StorageFailedException {
    DamagedDatabase(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static DataStore data(Path workspaceDir, BlobCipher cipher) {
    return open(workspaceDir, DatabaseKind.DATA, () -> DataStore.open(workspaceDir, Durability.NORMAL, cipher));
  }

  /**
   * The cache database, or empty if the workspace has none yet (it is created on first open).
   * Opened as a tool opens it: the limit the workspace records stays as it is ({@link
   * CacheStore#openToCheck}).
   */
  static Optional<CacheStore> cache(Path workspaceDir, BlobCipher cipher) {
    if (!Files.isRegularFile(workspaceDir.resolve(DatabaseKind.CACHE.fileName()))) {
      return Optional.empty();
    }
    return Optional.of(open(workspaceDir, DatabaseKind.CACHE,
        () -> CacheStore.openToCheck(workspaceDir, Durability.NORMAL, cipher)));
  }

  private static <T> T open(Path workspaceDir, DatabaseKind kind, Supplier<T> opener) {
    try {
      return opener.get();
    } catch (WorkspaceInUseException e) {
      throw new CliError(e.getMessage() + " (is a program using this workspace? stop it first)", e);
    } catch (InvalidRequestException e) {
      throw new CliError(e.getMessage(), e);
    } catch (StorageFailedException e) {
      if (isDamage(e)) {
        throw new DamagedDatabase(e.getMessage(), e);
      }
      throw new CliError(e.getMessage()
          + (isLocked(e) ? " (is a program using this workspace? stop it first)" : ""), e);
    }
  }

  /** True if {@code e} says the file itself is damaged, not that it is busy or unreadable to us. */
  static boolean isDamage(Throwable e) {
    if (e instanceof DamagedDatabase) {
      return true;
    }
    SqliteFailure failure = failureOf(e);
    return failure == SqliteFailure.CORRUPT || failure == SqliteFailure.NOT_A_DATABASE;
  }

  /**
   * A damaged file in the CLI's words, from SQLite's classification and its own message:
   * "data_v1.sqlite is corrupt (SQLite: database disk image is malformed)". Not the library's
   * message, whose advice ("reopen the workspace") is for a host, not for a user of the tools.
   */
  static String describeDamage(String file, Throwable e) {
    String says = sqliteSays(e);
    return file + " " + failureOf(e).description() + (says.isEmpty() ? "" : " (SQLite: " + says + ")");
  }

  /** SQLite's own words of the innermost {@link SQLException} of {@code e}, or "" if there is none. */
  private static String sqliteSays(Throwable e) {
    String message = null;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException && cause.getMessage() != null) {
        message = cause.getMessage();
      }
    }
    if (message == null) {
      return "";
    }
    // sqlite-jdbc: "[SQLITE_CORRUPT] The database disk image is malformed (database disk image is malformed)",
    // its description of the code, then SQLite's message in parentheses.
    Matcher own = SQLITE_OWN_WORDS.matcher(message);
    return own.find() ? own.group(1).strip() : message.replaceFirst("^\\[[A-Z_]+]\\s*", "").strip();
  }

  private static boolean isLocked(Throwable e) {
    return failureOf(e) == SqliteFailure.LOCKED;
  }

  private static SqliteFailure failureOf(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      SqliteFailure failure = SqliteFailure.of(cause);
      if (failure != SqliteFailure.OTHER) {
        return failure;
      }
    }
    return SqliteFailure.OTHER;
  }
}
