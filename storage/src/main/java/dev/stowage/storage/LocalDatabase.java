package dev.stowage.storage;

import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.WorkspaceInUseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteOpenMode;
import org.sqlite.core.DB;

/**
 * One SQLite connection to one database file of a workspace, used by one thread.
 *
 * <p><b>Opening.</b> The workspace directory is created with mode 0700. The writing connection
 * ({@link #open}) first takes an OS lock on a lock file next to the database ({@code
 * data_v1.sqlite.lock}) and holds it until it closes: a second program that opens the workspace
 * the way Stowage does (another Stowage, {@code bin/stowage fsck}) gets a clear "locked" error
 * instead of becoming a second writer (INV-12). A file has at most one writing connection per
 * process. The connection enters WAL mode with {@code synchronous} from {@link Durability} and
 * migrates the schema forward through {@code PRAGMA user_version}, refusing a schema newer than
 * this code.
 *
 * <p><b>Readers.</b> Beside the writer, a workspace may open reader connections ({@link
 * #openReader}) to the same file: WAL lets them read the last committed state while the writer
 * has a batch open, so reads do not wait for commits. A reader runs with {@code query_only}, so it
 * can change nothing; it may checkpoint the WAL ({@link #checkpointPassive()}), which moves
 * committed pages into the database file off the writer's thread. The writer then checkpoints on
 * its own only as a backstop, once the WAL holds {@link #BACKSTOP_CHECKPOINT_PAGES} pages. The
 * locking mode is therefore the normal one, not {@code EXCLUSIVE}, which would keep readers out:
 * a program that ignores the lock file (a plain {@code sqlite3}) is not stopped, and must not
 * write.
 *
 * <p><b>Threads.</b> The thread that opens the database owns it; every call from any other thread
 * is refused with {@link IllegalStateException} before it touches the connection (INV-12).
 *
 * <p><b>Transactions.</b> Explicit: {@link #begin()}, {@link #commit()}, {@link #rollback()}.
 * Tables run their statements through {@link #run}; a statement that would commit or roll back
 * behind the owner's back is refused, and a commit/rollback hook catches any that slips through
 * (INV-7).
 *
 * <p><b>Failure.</b> Any {@link SQLException} (or unexpected error) inside {@link #run}, {@link
 * #begin()} or {@link #commit()} rolls back the open transaction, closes the connection and marks
 * the database failed: that call and every later one throw {@link StorageFailedException}, with
 * the classified cause (INV-6). Nothing of the failed transaction is kept; re-opening gives exactly
 * the last successful commit.
 */
public final class LocalDatabase implements AutoCloseable {
  /** The WAL is truncated back to this size after a checkpoint when it grew past it. */
  private static final long JOURNAL_SIZE_LIMIT = 64L << 20;
  /** SQLite's own default: the writer checkpoints when its WAL holds this many pages. */
  private static final int AUTO_CHECKPOINT_PAGES = 1000;
  /**
   * With a reader that checkpoints, the writer still checkpoints past this many pages (about 40
   * MiB of WAL at 4 KiB pages), should the reader fall behind.
   */
  public static final int BACKSTOP_CHECKPOINT_PAGES = 10_000;
  /** How long a reader waits on a lock SQLite holds briefly (WAL recovery, a restarting WAL). */
  private static final int READER_BUSY_TIMEOUT_MILLIS = 5_000;

  /** Statements that end, start or nest transactions: only this class may run them. */
  private static final Pattern TRANSACTION_CONTROL =
      Pattern.compile("^(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH|PRAGMA)\\b");
  private static final Pattern LEADING_COMMENTS_AND_SPACE =
      Pattern.compile("^(\\s+|--[^\\n]*(\\n|$)|/\\*.*?\\*/)+", Pattern.DOTALL);

  /** Database files open in this process, by absolute path (INV-12: one connection per file). */
  private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();

  private final Path file;
  /** The writer's entry in {@link #OPEN_FILES}; null for a reader. */
  private final Path registeredPath;
  private final DatabaseKind kind;
  private final Thread owner;
  private final SQLiteConnection connection;
  /** The writer's OS lock on its lock file; null for a reader. */
  private final FileLockHolder lock;
  private final Map<String, PreparedStatement> statements = new HashMap<>();
  /** BEGIN and COMMIT, prepared once; kept apart from {@link #statements}, which refuses them (INV-7). */
  private final Map<String, PreparedStatement> transactionStatements = new HashMap<>(4);
  /** The file's identity (device and inode on POSIX) when opened; null where the platform has none. */
  private Object fileKey;

  private boolean inTransaction;
  /** Set while this class itself commits or rolls back, so the hook knows the end is expected. */
  private boolean endingTransaction;
  /** Set by the hook when a transaction ended without this class ending it. */
  private boolean transactionEndedBehindOurBack;
  private StorageFailedException failure;
  private boolean closed;
  private long nanosInSqlite;

  private LocalDatabase(
      Path file, Path registeredPath, DatabaseKind kind, SQLiteConnection connection, FileLockHolder lock) {
    this.file = file;
    this.registeredPath = registeredPath;
    this.kind = kind;
    this.owner = Thread.currentThread();
    this.connection = connection;
    this.lock = lock;
  }

  /**
   * Opens (creating if needed) the database of {@code kind} in {@code workspaceDir} for writing,
   * on the calling thread, which becomes its owner. The writer checkpoints its WAL itself.
   *
   * @throws WorkspaceInUseException if another program holds its lock, or it is open in this process already
   * @throws StorageFailedException if the directory cannot be created, the file is not a database, is
   *     corrupt, or has a schema newer than this code
   */
  public static LocalDatabase open(Path workspaceDir, DatabaseKind kind, Durability durability) {
    return open(workspaceDir, kind, durability, false);
  }

  /**
   * Opens the writing connection; with {@code readersCheckpoint}, a reader checkpoints the WAL
   * ({@link #checkpointPassive()}) and the writer only past {@link #BACKSTOP_CHECKPOINT_PAGES}.
   */
  public static LocalDatabase open(Path workspaceDir, DatabaseKind kind, Durability durability,
      boolean readersCheckpoint) {
    Path file = workspaceDir.resolve(kind.fileName());
    createWorkspaceDirectory(workspaceDir);
    Path registered = file.toAbsolutePath().normalize();
    if (!OPEN_FILES.add(registered)) {
      throw new WorkspaceInUseException(file + " is already open in this process (by another ActorSystem, or another"
          + " opener of the same files): a database file has exactly one writing connection; close it there first");
    }
    FileLockHolder lock = null;
    SQLiteConnection connection = null;
    try {
      lock = FileLockHolder.acquire(lockFile(file), file);
      ownerOnly(file);
      SQLiteConfig config = new SQLiteConfig();
      // Otherwise every INSERT runs and holds open "SELECT last_insert_rowid()": a wasted query per
      // write, and an active statement that makes VACUUM fail with "SQL statements in progress".
      config.setGetGeneratedKeys(false);
      connection = (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
      LocalDatabase db = new LocalDatabase(file, registered, kind, connection, lock);
      db.configure(durability, readersCheckpoint ? BACKSTOP_CHECKPOINT_PAGES : AUTO_CHECKPOINT_PAGES);
      db.fileKey = fileKey(file);
      return db;
    } catch (SQLException | RuntimeException e) {
      OPEN_FILES.remove(registered);
      closeQuietly(connection);
      if (lock != null) {
        lock.release();
      }
      throw openFailure(file, e);
    }
  }

  /**
   * Opens a reader of the existing database of {@code kind} in {@code workspaceDir}, on the
   * calling thread, which becomes its owner: it reads the last committed state and changes nothing
   * ({@code query_only}). Open the writer first: it creates and migrates the file.
   *
   * @throws StorageFailedException if the file is missing, not a database, corrupt, not in WAL mode
   *     or of another schema version than this code's
   */
  public static LocalDatabase openReader(Path workspaceDir, DatabaseKind kind) {
    return openReader(workspaceDir, kind, false);
  }

  /**
   * Opens a reader; with {@code anySupportedSchema}, of a file of any schema version this code can
   * migrate (a backup copies an old file as it is), else only of the current one.
   */
  static LocalDatabase openReader(Path workspaceDir, DatabaseKind kind, boolean anySupportedSchema) {
    Path file = workspaceDir.resolve(kind.fileName());
    SQLiteConnection connection = null;
    try {
      if (!Files.isRegularFile(file)) {
        throw new StorageFailedException("cannot open a reader of " + file + ": the file does not exist");
      }
      SQLiteConfig config = new SQLiteConfig();
      config.setGetGeneratedKeys(false);
      config.setBusyTimeout(READER_BUSY_TIMEOUT_MILLIS);
      config.setOpenMode(SQLiteOpenMode.READWRITE); // never CREATE; read-write only so that it may checkpoint
      connection = (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
      LocalDatabase db = new LocalDatabase(file, null, kind, connection, null);
      db.configureReader(anySupportedSchema);
      return db;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw openFailure(file, e);
    }
  }

  private static StorageException openFailure(Path file, Exception e) {
    if (e instanceof StorageException typed) {
      return typed;
    }
    SqliteFailure why = SqliteFailure.of(e);
    String message = "cannot open " + file + ": it " + why.description() + " (" + e.getMessage() + ")";
    return why == SqliteFailure.LOCKED ? new WorkspaceInUseException(message, e) : new StorageFailedException(message, e);
  }

  /** The file whose OS lock the writer of {@code databaseFile} holds. */
  public static Path lockFile(Path databaseFile) {
    return databaseFile.resolveSibling(databaseFile.getFileName() + ".lock");
  }

  /**
   * Mode 0600 for the database and its WAL and shared-memory files, as for its lock file and its
   * backups: SQLite would create the database 0644, and its WAL and shared memory as the database.
   * Created empty here before SQLite opens it (an empty file is an empty database); an existing
   * one's group and other permissions are taken off, its WAL's and shared memory's too.
   */
  private static void ownerOnly(Path file) {
    try {
      Posix.ownerOnly(file);
      for (String suffix : List.of("-wal", "-shm")) {
        Path companion = file.resolveSibling(file.getFileName() + suffix);
        if (Files.exists(companion)) {
          Posix.ownerOnly(companion);
        }
      }
    } catch (IOException e) {
      throw new StorageFailedException("cannot make " + file + " readable by its owner only: " + e, e);
    }
  }

  private static void createWorkspaceDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, Posix.ownerOnlyDirectory());
      }
    } catch (IOException e) {
      throw new StorageFailedException("cannot create workspace directory " + dir + ": " + e, e);
    }
  }

  private void configure(Durability durability, int autoCheckpointPages) throws SQLException {
    try (Statement s = connection.createStatement()) {
      // Takes effect only before the first table exists, outside a transaction; a no-op later (a
      // data file from before incremental vacuuming is converted by its next full VACUUM).
      s.execute("PRAGMA auto_vacuum = " + kind.autoVacuum());
      String mode = queryString(s, "PRAGMA journal_mode = WAL");
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new StorageFailedException("cannot open " + file + ": WAL mode is unavailable (got " + mode + ")");
      }
      s.execute("PRAGMA synchronous = " + durability.name());
      s.execute("PRAGMA journal_size_limit = " + JOURNAL_SIZE_LIMIT);
      s.execute("PRAGMA wal_autocheckpoint = " + autoCheckpointPages);
      s.execute("PRAGMA temp_store = MEMORY");
      s.execute("BEGIN IMMEDIATE");
      int version = queryInt(s, "PRAGMA user_version");
      int latest = Schema.latest(kind);
      if (version > latest) {
        s.execute("ROLLBACK");
        throw new StorageFailedException(
            "cannot open " + file + ": its schema version is " + version + ", this Stowage supports up to "
                + latest + " (was it written by a newer Stowage?)");
      }
      for (int step = version; step < latest; step++) {
        for (String ddl : Schema.migrations(kind).get(step)) {
          s.execute(ddl);
        }
      }
      // Written even when already current: the write proves, at open, that the file is writable
      // (SQLite silently opens a file it may not write read-only, and would fail the first commit).
      s.execute("PRAGMA user_version = " + latest);
      s.execute("COMMIT");
    }
    connection.addCommitListener(
        new SQLiteCommitListener() {
          @Override
          public void onCommit() {
            noteTransactionEnd();
          }

          @Override
          public void onRollback() {
            noteTransactionEnd();
          }
        });
  }

  private void configureReader(boolean anySupportedSchema) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA query_only = 1");
      s.execute("PRAGMA temp_store = MEMORY");
      String mode = queryString(s, "PRAGMA journal_mode");
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new StorageFailedException("cannot open a reader of " + file + ": it is not in WAL mode (" + mode + ")");
      }
      int version = queryInt(s, "PRAGMA user_version");
      if (anySupportedSchema && version >= 1 && version <= Schema.latest(kind)) {
        return;
      }
      if (version != Schema.latest(kind)) {
        throw new StorageFailedException("cannot open a reader of " + file + ": its schema version is " + version
            + ", this code's is " + Schema.latest(kind) + " (open the writer first: it migrates the file)");
      }
    }
    // No commit hook: a reader never begins a transaction, so none can end behind its back (INV-7).
  }

  /** Whether this is a reader ({@link #openReader}): it never begins a transaction. */
  public boolean isReader() {
    return registeredPath == null;
  }

  private void checkFileIsStillOurs() {
    if (fileKey == null) {
      return;
    }
    Object now;
    try {
      now = fileKey(file);
    } catch (StorageFailedException e) {
      now = null;
    }
    if (!fileKey.equals(now)) {
      throw fail("commit", SqliteFailure.IO_ERROR, new IOException(
          "the database file was removed or replaced while open (" + file + ")"));
    }
  }

  /** Identity of a file (device and inode on POSIX), or null where the platform has none. */
  private static Object fileKey(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new StorageFailedException("cannot read the attributes of " + file + ": " + e, e);
    }
  }

  private void noteTransactionEnd() {
    if (inTransaction && !endingTransaction) {
      transactionEndedBehindOurBack = true;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions

  /** Starts a write transaction. */
  public void begin() {
    checkUsable();
    checkWriter();
    if (inTransaction) {
      throw new IllegalStateException(file + ": a transaction is already open");
    }
    executeTransactionControl("begin", "BEGIN IMMEDIATE");
    inTransaction = true;
    transactionEndedBehindOurBack = false;
  }

  /**
   * Commits the open transaction; on failure the database is invalidated (INV-6). A database file
   * removed or replaced while open is a failure too: SQLite would go on writing to the orphaned
   * file and everything would be lost at close, so nothing is acknowledged into it.
   */
  public void commit() {
    checkUsable();
    if (!inTransaction) {
      throw new IllegalStateException(file + ": no transaction to commit");
    }
    checkFileIsStillOurs();
    endingTransaction = true;
    try {
      executeTransactionControl("commit", "COMMIT");
      inTransaction = false;
    } finally {
      endingTransaction = false;
    }
  }

  /** Rolls back the open transaction. */
  public void rollback() {
    checkUsable();
    if (!inTransaction) {
      throw new IllegalStateException(file + ": no transaction to roll back");
    }
    endingTransaction = true;
    try {
      execute("rollback", "ROLLBACK");
      inTransaction = false;
    } finally {
      endingTransaction = false;
    }
  }

  public boolean inTransaction() {
    return inTransaction;
  }

  // ---------------------------------------------------------------------------------------------
  // Statements (for the table classes)

  /** Work against the connection; any exception it throws invalidates the database. */
  @FunctionalInterface
  interface Sql<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} on the owner thread, times it, and turns any failure into a failed database
   * (INV-6). {@code what} names the operation in error messages.
   */
  <T> T run(String what, Sql<T> work) {
    checkUsable();
    long start = System.nanoTime();
    try {
      T result = work.run();
      if (transactionEndedBehindOurBack) {
        throw fail(what, SqliteFailure.TRANSACTION_ENDED, null);
      }
      return result;
    } catch (StorageFailedException e) {
      throw e;
    } catch (SQLException | RuntimeException e) {
      throw fail(what, SqliteFailure.of(e), e);
    } finally {
      nanosInSqlite += System.nanoTime() - start;
    }
  }

  /**
   * A cached prepared statement for {@code sql}. Statements that control transactions are refused,
   * and refusing one invalidates the database like any other failure inside a transaction (INV-7).
   * Call only from inside {@link #run}.
   */
  PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      String head = LEADING_COMMENTS_AND_SPACE.matcher(sql).replaceFirst("").toUpperCase(Locale.ROOT);
      if (TRANSACTION_CONTROL.matcher(head).find()) {
        throw fail("prepare", SqliteFailure.TRANSACTION_ENDED,
            new SQLException("refused a statement that controls the transaction: " + sql));
      }
      statement = connection.prepareStatement(sql);
      statements.put(sql, statement);
    }
    return statement;
  }

  /**
   * A statement prepared without the text guard, so tests can show the commit hook catching a
   * transaction ended behind the owner's back.
   */
  PreparedStatement unguardedStatement(String sql) throws SQLException {
    return connection.prepareStatement(sql);
  }

  /**
   * Runs BEGIN or COMMIT through a statement prepared once: the gateway runs them for every batch,
   * and preparing them anew each time was a measurable part of a lone writer's commit.
   */
  private void executeTransactionControl(String what, String sql) {
    run(what, () -> {
      PreparedStatement statement = transactionStatements.get(sql);
      if (statement == null) {
        statement = connection.prepareStatement(sql);
        transactionStatements.put(sql, statement);
      }
      statement.execute();
      return null;
    });
  }

  private void execute(String what, String sql) {
    run(what, () -> {
      try (Statement s = connection.createStatement()) {
        s.execute(sql);
      }
      return null;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Maintenance

  /**
   * Vacuums when the files take more than {@code threshold} bytes on disk (database + WAL +
   * shared memory), then checkpoints and truncates the WAL so the files end up smaller. Needs no
   * open transaction: commit first.
   *
   * @return whether it vacuumed
   */
  public boolean vacuumIfLargerThan(long threshold) {
    checkWriterOutsideTransaction("vacuum");
    long before = sizeOnDisk();
    if (before <= threshold) {
      return false;
    }
    VacuumEvent event = new VacuumEvent();
    event.begin();
    run("vacuum", () -> {
      try (Statement s = connection.createStatement()) {
        // A file created before incremental vacuuming takes the mode with this rebuild.
        s.execute("PRAGMA auto_vacuum = " + kind.autoVacuum());
        s.execute("VACUUM");
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      return null;
    });
    event.end();
    if (event.shouldCommit()) {
      event.file = file.toString();
      event.bytesBefore = before;
      event.bytesAfter = sizeOnDisk();
      event.commit();
    }
    return true;
  }

  /**
   * Whether this file hands its free pages back in steps ({@code auto_vacuum = INCREMENTAL}), so that
   * a vacuum is {@link #vacuumStep}s and a {@link #finishVacuum} rather than one {@link
   * #vacuumIfLargerThan} that rebuilds the whole file in one transaction.
   */
  public boolean vacuumsIncrementally() {
    return run("auto_vacuum mode", () -> {
      try (Statement s = connection.createStatement()) {
        return queryInt(s, "PRAGMA auto_vacuum") == 2;
      }
    });
  }

  /**
   * Starts an incremental vacuum when the files take more than {@code threshold} bytes on disk
   * (database + WAL + shared memory): its owner runs its steps, with writes between them. Only
   * where {@link #vacuumsIncrementally()}; needs no open transaction.
   *
   * @return the vacuum to step through, or null if the files are not larger than {@code threshold}
   */
  public IncrementalVacuum startVacuum(long threshold) {
    checkWriterOutsideTransaction("vacuum");
    if (!vacuumsIncrementally()) {
      throw new IllegalStateException(file + " does not vacuum incrementally: vacuumIfLargerThan converts it");
    }
    long before = sizeOnDisk();
    return before > threshold ? new IncrementalVacuum(this, before) : null;
  }

  /** Pages on the free list: what a vacuum can hand back ({@code PRAGMA freelist_count}). */
  public long freePages() {
    return run("free page count", () -> {
      try (Statement s = connection.createStatement()) {
        return (long) queryInt(s, "PRAGMA freelist_count");
      }
    });
  }

  /**
   * One step of an incremental vacuum: moves up to {@code pages} pages off the end of the file into
   * free ones and truncates the file by as many ({@code PRAGMA incremental_vacuum}), in a transaction
   * of its own, so that writes can run between steps. Needs no open transaction: commit first.
   *
   * @return the free pages left
   */
  long vacuumStep(int pages) {
    checkWriterOutsideTransaction("a vacuum step");
    if (pages <= 0) {
      throw new IllegalArgumentException("a vacuum step frees at least one page, got " + pages);
    }
    return run("vacuum step", () -> {
      // SQLite frees one page per step of this statement, and JDBC's execute steps it once (its
      // rows have no columns, so there is no result set to read on): sqlite3_exec runs it to its end.
      int rc = connection.getDatabase()._exec("PRAGMA incremental_vacuum(" + pages + ")");
      if (rc != SQLiteErrorCode.SQLITE_OK.code) {
        throw new SQLException("incremental_vacuum failed with result code " + rc, null, rc);
      }
      try (Statement s = connection.createStatement()) {
        return (long) queryInt(s, "PRAGMA freelist_count");
      }
    });
  }

  /**
   * Ends an incremental vacuum: checkpoints and truncates the WAL, so that the files are as small
   * as the steps left them. Needs no open transaction.
   */
  void finishVacuum() {
    checkWriterOutsideTransaction("finishing a vacuum");
    run("vacuum checkpoint", () -> {
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      return null;
    });
  }

  /**
   * Copies as much of the WAL into the database file as it can without waiting for anybody
   * ({@code PRAGMA wal_checkpoint(PASSIVE)}); a reader runs it so that the writer need not. The
   * writer may go on committing meanwhile.
   *
   * @return the WAL as the checkpoint left it
   */
  public WalState checkpointPassive() {
    return run("checkpoint", () -> {
      try (Statement s = connection.createStatement();
          ResultSet rows = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        return rows.next() ? new WalState(Math.max(0, rows.getInt(2)), Math.max(0, rows.getInt(3))) : new WalState(0, 0);
      }
    });
  }

  /**
   * The WAL after a checkpoint: {@code frames} pages written since the writer last restarted it from
   * its beginning, {@code checkpointed} of them copied into the database file.
   */
  public record WalState(int frames, int checkpointed) {
    /** Whether every committed page is in the database file: the writer may restart the WAL. */
    public boolean complete() {
      return checkpointed >= frames;
    }
  }

  /** What {@link #backupTo} reports after each of its steps. */
  @FunctionalInterface
  public interface BackupProgress {
    BackupProgress NONE = (copied, total) -> { };

    void copied(int pagesCopied, int pagesTotal);
  }

  /** Pages a backup copies per step: 4 MiB at SQLite's default 4 KiB pages. */
  static final int BACKUP_PAGES_PER_STEP = 1024;
  /** How often, and how long apart, a backup step retries a busy destination before it gives up. */
  private static final int BACKUP_BUSY_RETRIES = 50;
  private static final int BACKUP_BUSY_SLEEP_MILLIS = 100;

  /**
   * Copies the database as of its last commit into {@code destination} (a new or empty file),
   * page by page with SQLite's online backup API ({@code sqlite3_backup_step}, through
   * sqlite-jdbc's {@code DB.backup}), on a reader only. The reader holds one read transaction
   * over every step, so every page comes from the same snapshot, and the WAL lets the writer go
   * on committing meanwhile (its commits are not in the copy). The pages are copied as they are
   * stored: the rows stay encrypted.
   *
   * <p>A failure is a {@link BackupFailedException} and leaves this
   * connection usable: nothing of the database changed.
   *
   * @return the pages copied
   */
  public int backupTo(Path destination, BackupProgress progress) {
    checkUsable();
    if (!isReader()) {
      throw new IllegalStateException(file + ": a backup reads through a reader connection (openReader)");
    }
    int[] pages = {0};
    DB.ProgressObserver observer = (remaining, total) -> {
      pages[0] = total;
      progress.copied(total - remaining, total);
    };
    long start = System.nanoTime();
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN");
      int rc;
      try {
        queryInt(s, "SELECT count(*) FROM sqlite_schema"); // the read that starts the snapshot every step copies
        rc = connection.getDatabase().backup("main", destination.toString(), observer,
            BACKUP_BUSY_SLEEP_MILLIS, BACKUP_BUSY_RETRIES, BACKUP_PAGES_PER_STEP);
      } finally {
        s.execute("COMMIT"); // ends the read transaction
      }
      if (rc != SQLiteErrorCode.SQLITE_OK.code) {
        throw new BackupFailedException("cannot back up " + file + " to " + destination
            + ": the copy " + SqliteFailure.ofCode(rc).description() + " (SQLite result code " + rc + ")");
      }
      return pages[0];
    } catch (SQLException e) {
      throw new BackupFailedException("cannot back up " + file + " to " + destination + ": it "
          + SqliteFailure.of(e).description() + " (" + e.getMessage() + ")", e);
    } finally {
      nanosInSqlite += System.nanoTime() - start;
    }
  }

  /** Copies the WAL into the database file and truncates it. Needs no open transaction. */
  public void checkpoint() {
    checkUsable();
    if (inTransaction) {
      throw new IllegalStateException(file + ": commit before checkpoint");
    }
    execute("checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)");
  }

  /**
   * Caps the database at {@code pages} pages ({@code PRAGMA max_page_count}); writes past it fail
   * with SQLITE_FULL like a full disk. For quotas and for fault-injection tests.
   */
  public void setMaxPageCount(long pages) {
    checkUsable();
    execute("set max page count", "PRAGMA max_page_count = " + pages);
  }

  /**
   * Overwrites {@code PRAGMA user_version}, for tests of schema migration and of a schema from the
   * future. Never used by Stowage itself.
   */
  public void setUserVersionForTest(int version) {
    checkUsable();
    execute("set user version", "PRAGMA user_version = " + version);
  }

  /** Pages the database file has now ({@code PRAGMA page_count}). */
  public long pageCount() {
    return run("page count", () -> {
      try (Statement s = connection.createStatement()) {
        return (long) queryInt(s, "PRAGMA page_count");
      }
    });
  }

  /**
   * Invalidates the database after an error outside SQLite that leaves the open transaction in an
   * unknown state (e.g. a bug in code between two statements): rolls back, closes, fails (INV-6).
   */
  public StorageFailedException invalidate(String what, Throwable cause) {
    checkOwner();
    if (closed && failure == null) {
      return new StorageFailedException(file + " is closed", cause);
    }
    return fail(what, SqliteFailure.OTHER, cause);
  }

  /** {@code PRAGMA integrity_check}: "ok", or the problems SQLite found, one per line. */
  public String integrityCheck() {
    return run("integrity check", () -> {
      StringBuilder out = new StringBuilder();
      try (Statement s = connection.createStatement(); ResultSet rows = s.executeQuery("PRAGMA integrity_check")) {
        while (rows.next()) {
          out.append(out.length() == 0 ? "" : "\n").append(rows.getString(1));
        }
      }
      return out.toString();
    });
  }

  /** The schema version stored in the file ({@code PRAGMA user_version}). */
  public int schemaVersion() {
    return run("schema version", () -> {
      try (Statement s = connection.createStatement()) {
        return queryInt(s, "PRAGMA user_version");
      }
    });
  }

  /**
   * Bytes on disk of the database, its WAL and its shared-memory file. Reads only file sizes, so
   * any thread may call it.
   */
  public long sizeOnDisk() {
    return sizeOnDisk(file);
  }

  /** Bytes on disk of a database file and its WAL and shared-memory companions. */
  public static long sizeOnDisk(Path databaseFile) {
    return fileSize(databaseFile)
        + fileSize(databaseFile.resolveSibling(databaseFile.getFileName() + "-wal"))
        + fileSize(databaseFile.resolveSibling(databaseFile.getFileName() + "-shm"));
  }

  private static long fileSize(Path path) {
    try {
      return Files.size(path);
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      return 0; // a size for statistics only: an unreadable companion file counts as empty
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State

  public Path file() {
    return file;
  }

  public DatabaseKind kind() {
    return kind;
  }

  /** The name of the one thread allowed to use this database. */
  public String ownerThreadName() {
    return owner.getName();
  }

  /** Wall time spent inside SQLite by this connection. */
  public long nanosInSqlite() {
    return nanosInSqlite;
  }

  public boolean isFailed() {
    return failure != null;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Whether {@code file} is open by a LocalDatabase in this process. */
  public static boolean isOpen(Path databaseFile) {
    return OPEN_FILES.contains(databaseFile.toAbsolutePath().normalize());
  }

  /**
   * Closes the connection, rolling back a transaction still open (its writes were never
   * acknowledged). Idempotent; a failed database is closed already.
   */
  @Override
  public void close() {
    checkOwner();
    if (closed) {
      return;
    }
    if (failure == null && inTransaction) {
      try {
        rollback();
      } catch (StorageFailedException e) {
        return; // rollback failed: the database is failed and closed now
      }
    }
    closeConnection();
  }

  private void checkOwner() {
    Thread current = Thread.currentThread();
    if (current != owner) {
      throw new IllegalStateException(
          file + " belongs to thread '" + owner.getName() + "' and was called from '" + current.getName() + "'");
    }
  }

  private void checkWriter() {
    if (isReader()) {
      throw new IllegalStateException(file + ": a reader connection does not write");
    }
  }

  /** Maintenance runs on the writer, between transactions: {@code what} needs the batch committed. */
  private void checkWriterOutsideTransaction(String what) {
    checkUsable();
    checkWriter();
    if (inTransaction) {
      throw new IllegalStateException(file + ": commit before " + what);
    }
  }

  private void checkUsable() {
    checkOwner();
    if (failure != null) {
      throw new StorageFailedException(failure.getMessage(), failure.getCause());
    }
    if (closed) {
      throw new IllegalStateException(file + " is closed");
    }
  }

  private StorageFailedException fail(String what, SqliteFailure why, Throwable cause) {
    if (failure != null) {
      return failure;
    }
    String detail = cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
    failure = new StorageFailedException(
        file.getFileName() + " " + why.description() + " during " + what + detail
            + "; the open transaction was rolled back and the database closed: reopen the workspace",
        cause);
    if (inTransaction) {
      endingTransaction = true;
      try (Statement s = connection.createStatement()) {
        s.execute("ROLLBACK");
      } catch (SQLException ignored) {
        // SQLite may have rolled back already (e.g. after SQLITE_FULL); closing discards the rest.
      } finally {
        endingTransaction = false;
        inTransaction = false;
      }
    }
    closeConnection();
    return failure;
  }

  private void closeConnection() {
    for (Map<String, PreparedStatement> cached : List.of(statements, transactionStatements)) {
      for (PreparedStatement statement : cached.values()) {
        try {
          statement.close();
        } catch (SQLException ignored) {
          // closing the connection releases it anyway
        }
      }
      cached.clear();
    }
    closeQuietly(connection);
    closed = true;
    if (lock != null) {
      lock.release();
    }
    if (registeredPath != null) {
      OPEN_FILES.remove(registeredPath);
    }
  }

  private static void closeQuietly(SQLiteConnection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // nothing more to release
      }
    }
  }

  private static String queryString(Statement s, String sql) throws SQLException {
    try (ResultSet rows = s.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  private static int queryInt(Statement s, String sql) throws SQLException {
    try (ResultSet rows = s.executeQuery(sql)) {
      return rows.next() ? rows.getInt(1) : 0;
    }
  }

  @Override
  public String toString() {
    return "LocalDatabase[" + file + (isReader() ? ", reader" : "") + (failure != null ? ", failed" : closed ? ", closed" : "") + "]";
  }
}
