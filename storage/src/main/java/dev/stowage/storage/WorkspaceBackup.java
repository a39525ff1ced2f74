package dev.stowage.storage;

import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageFailedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * Backups of a workspace's data database, and restores from them. Synchronous, on the calling
 * thread, which owns every connection it opens here (INV-12).
 *
 * <h2>What a backup is</h2>
 *
 * One file: the data database ({@code data_v1.sqlite}: manifests, chunks, realm checkpoint,
 * prevent-sync pattern, quarantine, key check) as it was committed at one moment, copied page by
 * page with SQLite's online backup API through a reader connection of its own ({@link
 * LocalDatabase#backupTo}). A reader needs no lock and stops nobody: the workspace may be open in
 * this or another program and go on writing while the copy runs; what it commits meanwhile is not
 * in the copy. The pages are copied as stored, so every row stays encrypted under the workspace
 * key: nothing is decrypted, and the copy is no weaker than the workspace (mode 0600, like it).
 *
 * <p>The block cache ({@code cache_v1.sqlite}) is not in it: blocks are downloaded content the host
 * fetches again on demand, up to {@code cache-size} of it, and a copy of both files could not be
 * of one moment anyway. Cache-only manifest writes not yet flushed are not in it either: they are
 * in no file yet (flush them first with {@code ensureManifestPersistent} or {@code
 * clearMemoryCache(true)} to have them in it), which makes a backup what a crash at that moment
 * would have left.
 *
 * <p>The copy is written to a temporary file beside the destination, checked ({@code PRAGMA
 * quick_check}, counted), switched to a rollback journal (so that it is one self-contained file),
 * synced, and renamed into place, then the directory is synced: the destination is a whole backup
 * or absent, never half of one.
 *
 * <h2>Restoring</h2>
 *
 * {@link #restore} checks the backup on a private copy inside the workspace directory before it
 * touches the workspace: a SQLite database, intact ({@code PRAGMA integrity_check}), with Stowage's
 * tables, of a schema version this code supports (older ones are migrated forward), whose key
 * check the key opens. It holds both of the workspace's lock files throughout, so it refuses a
 * workspace a running program has open. It then moves what it replaces into a {@code
 * replaced-<time>} directory of the workspace (the old data database, with its WAL checkpointed
 * into it where it can be, and the block cache, which the restored workspace starts without),
 * and renames the checked copy into place. Nothing is deleted: once the restored workspace is
 * known good, the user removes the {@code replaced-} directory.
 */
public final class WorkspaceBackup {
  private WorkspaceBackup() {}

  /** The first bytes of every SQLite database file. */
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  /** The size of a SQLite database file's header. */
  private static final int SQLITE_HEADER_SIZE = 100;

  /** The tables every Stowage data database has had since schema version 1. */
  private static final Set<String> DATA_TABLES =
      Set.of("vlobs", "chunks", "realm_checkpoint", "prevent_sync_pattern", "key_check");

  private static final DateTimeFormatter ASIDE_NAME =
      DateTimeFormatter.ofPattern("'replaced-'yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /**
   * What a restore did.
   *
   * @param workspaceDir the workspace restored
   * @param from the backup
   * @param schemaVersion the backup's schema version (the workspace is at the current one now)
   * @param manifests manifests restored
   * @param chunks chunks restored
   * @param replacedKeptIn where the files it replaced are now, if it replaced any
   * @param replaced the files it replaced, by name
   */
  public record RestoreResult(Path workspaceDir, Path from, int schemaVersion, long manifests, long chunks,
      Optional<Path> replacedKeptIn, List<String> replaced) {}

  // ---------------------------------------------------------------------------------------------
  // Backup

  /**
   * Backs up the data database of {@code workspaceDir} into {@code to}, which must not exist
   * unless {@code replace}. The workspace may be open (in this process or another) and busy.
   *
   * @throws BackupFailedException if no backup was made: the workspace has no data database or
   *     it cannot be read, {@code to} exists, is in the workspace directory, or cannot be written
   */
  public static BackupResult backup(Path workspaceDir, Path to, boolean replace,
      LocalDatabase.BackupProgress progress) {
    long start = System.nanoTime();
    Path target = target(workspaceDir, to, replace);
    LocalDatabase source;
    try {
      source = LocalDatabase.openReader(workspaceDir, DatabaseKind.DATA, true);
    } catch (StorageFailedException e) {
      throw new BackupFailedException("cannot back up workspace " + workspaceDir + ": " + e.getMessage(), e);
    }
    Path partial = partialFile(target);
    try {
      try {
        source.backupTo(partial, progress);
      } finally {
        source.close();
      }
      Counts counts = seal(partial);
      moveIntoPlace(partial, target, replace);
      return new BackupResult(target, size(target), counts.schemaVersion, counts.manifests, counts.chunks,
          Duration.ofNanos(System.nanoTime() - start));
    } catch (RuntimeException e) {
      deleteQuietly(partial);
      throw e;
    }
  }

  private static Path target(Path workspaceDir, Path to, boolean replace) {
    if (to == null) {
      throw new InvalidRequestException("the backup file must not be null");
    }
    Path target = to.toAbsolutePath().normalize();
    Path parent = target.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new BackupFailedException("cannot back up to " + target + ": no such directory " + parent);
    }
    if (parent.equals(workspaceDir.toAbsolutePath().normalize())) {
      throw new BackupFailedException("cannot back up to " + target
          + ": it is in the workspace directory; choose a file outside it");
    }
    if (Files.isDirectory(target)) {
      throw new BackupFailedException("cannot back up to " + target + ": it is a directory");
    }
    if (!replace && Files.exists(target)) {
      throw new BackupFailedException("cannot back up to " + target + ": the file exists (remove it, or choose another name)");
    }
    return target;
  }

  /** An empty file beside {@code target}, mode 0600, for the copy to fill. */
  private static Path partialFile(Path target) {
    try {
      return Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".partial", Posix.ownerOnlyFile());
    } catch (IOException e) {
      throw new BackupFailedException("cannot back up to " + target + ": cannot write in " + target.getParent()
          + " (" + e + ")", e);
    }
  }

  private record Counts(int schemaVersion, long manifests, long chunks) {}

  /**
   * Checks the copy, makes it one file (rollback journal instead of WAL) and syncs it.
   */
  private static Counts seal(Path copy) {
    Counts counts;
    try (Connection c = connect(copy, SQLiteOpenMode.READWRITE); Statement s = c.createStatement()) {
      String check = queryString(s, "PRAGMA quick_check");
      if (!"ok".equals(check)) {
        throw new BackupFailedException("the backup " + copy + " does not read back: quick_check says " + check);
      }
      queryString(s, "PRAGMA journal_mode = DELETE");
      counts = new Counts((int) queryLong(s, "PRAGMA user_version"), queryLong(s, "SELECT count(*) FROM vlobs"),
          queryLong(s, "SELECT count(*) FROM chunks"));
    } catch (SQLException e) {
      throw new BackupFailedException("the backup " + copy + " does not read back: " + e.getMessage(), e);
    }
    fsync(copy);
    return counts;
  }

  /** Renames {@code partial} to {@code target} (never over an existing file unless {@code replace}), then syncs the directory. */
  private static void moveIntoPlace(Path partial, Path target, boolean replace) {
    try {
      if (replace) {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      } else {
        linkOrMove(partial, target);
      }
      fsync(target.getParent());
    } catch (FileAlreadyExistsException e) {
      throw new BackupFailedException("cannot back up to " + target + ": the file exists (remove it, or choose another name)", e);
    } catch (IOException e) {
      throw new BackupFailedException("cannot back up to " + target + ": " + e, e);
    }
  }

  /**
   * Puts {@code partial} at {@code target} only if nothing is there: a hard link fails if the
   * target exists (rename would replace it); where links are not supported, a checked rename.
   */
  private static void linkOrMove(Path partial, Path target) throws IOException {
    try {
      Files.createLink(target, partial);
      Files.delete(partial);
    } catch (UnsupportedOperationException | FileSystemException e) {
      if (e instanceof FileAlreadyExistsException exists) {
        throw exists;
      }
      if (Files.exists(target)) {
        throw new FileAlreadyExistsException(target.toString());
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Restore

  /**
   * Restores {@code from} as the data database of {@code workspaceDir} (created if missing). A
   * workspace there already is replaced only with {@code replace}; its files are kept in a {@code
   * replaced-<time>} directory of the workspace.
   *
   * @throws BackupFailedException if nothing was restored and nothing changed: {@code from} is
   *     not a Stowage backup this code can restore (missing, not a database, damaged or
   *     truncated, another program's database, a newer schema), {@code key} does not open it, a
   *     workspace exists and {@code replace} is false, or a program has the workspace open
   */
  public static RestoreResult restore(Path from, Path workspaceDir, BlobCipher cipher, boolean replace, Instant now) {
    Path source = from.toAbsolutePath().normalize();
    if (!Files.isRegularFile(source)) {
      throw new BackupFailedException("cannot restore from " + source + ": " + (Files.exists(source)
          ? "it is not a file" : "no such file"));
    }
    refuseWhatIsNoDatabase(source);
    Path dataFile = workspaceDir.resolve(DatabaseKind.DATA.fileName());
    Path cacheFile = workspaceDir.resolve(DatabaseKind.CACHE.fileName());
    refuseToReplace(workspaceDir, replace);
    boolean created = createDirectory(workspaceDir);
    List<FileLockHolder> locks = lockWorkspace(dataFile, cacheFile);
    Path staging = null;
    boolean restored = false;
    try {
      refuseToReplace(workspaceDir, replace); // again, under the locks
      boolean exists = Files.exists(dataFile);
      staging = Files.createTempDirectory(workspaceDir, ".restore-", Posix.ownerOnlyDirectory());
      Path staged = staging.resolve(DatabaseKind.DATA.fileName());
      copyFile(source, staged);
      int schemaVersion = checkBackup(source, staged);
      Counts counts = openStaged(source, staging, cipher, schemaVersion);
      fsync(staged);

      Optional<Path> aside = Optional.empty();
      List<String> replaced = new ArrayList<>();
      if (exists || Files.exists(cacheFile)) {
        Path dir = asideDirectory(workspaceDir, now);
        aside = Optional.of(dir);
        replaced.addAll(setAside(workspaceDir, dir, dataFile, exists));
      }
      Files.move(staged, dataFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      restored = true;
      fsync(workspaceDir);
      return new RestoreResult(workspaceDir, source, schemaVersion, counts.manifests, counts.chunks, aside,
          List.copyOf(replaced));
    } catch (IOException e) {
      throw new BackupFailedException("cannot restore " + source + " into " + workspaceDir + ": " + e, e);
    } finally {
      if (staging != null) {
        deleteTree(staging);
      }
      locks.forEach(FileLockHolder::release);
      if (created && !restored) {
        deleteTree(workspaceDir); // it held nothing but the lock files this restore made
      }
    }
  }

  private static void refuseToReplace(Path workspaceDir, boolean replace) {
    if (!replace && Files.exists(workspaceDir.resolve(DatabaseKind.DATA.fileName()))) {
      throw new BackupFailedException("cannot restore into " + workspaceDir + ": it holds a workspace already;"
          + " restoring would replace it");
    }
  }

  /** Creates the workspace directory if it is missing; returns whether it did. */
  private static boolean createDirectory(Path workspaceDir) {
    try {
      if (!Files.isDirectory(workspaceDir)) {
        Files.createDirectories(workspaceDir, Posix.ownerOnlyDirectory());
        return true;
      }
      return false;
    } catch (IOException e) {
      throw new BackupFailedException("cannot restore into " + workspaceDir + ": cannot create it (" + e + ")", e);
    }
  }

  /** Takes the lock files of both databases, as their writers would: nobody opens the workspace meanwhile. */
  private static List<FileLockHolder> lockWorkspace(Path dataFile, Path cacheFile) {
    List<FileLockHolder> locks = new ArrayList<>(2);
    try {
      for (Path file : List.of(dataFile, cacheFile)) {
        if (LocalDatabase.isOpen(file)) {
          throw new BackupFailedException("cannot restore into " + dataFile.getParent()
              + ": the workspace is open in this process; close it first");
        }
        locks.add(FileLockHolder.acquire(LocalDatabase.lockFile(file), file));
      }
      return locks;
    } catch (StorageFailedException e) {
      locks.forEach(FileLockHolder::release);
      throw new BackupFailedException("cannot restore into " + dataFile.getParent() + ": " + e.getMessage()
          + "; stop the program that has it open first", e);
    } catch (RuntimeException e) {
      locks.forEach(FileLockHolder::release);
      throw e;
    }
  }

  /**
   * Says what {@code source} is when it cannot be a backup at all: empty, shorter than SQLite's
   * header, or not starting with it (a text file, say). SQLite itself takes an empty file for an
   * empty database, which would read as "a SQLite database, but not a Stowage data database". The
   * staged copy is checked in full afterwards either way ({@link #checkBackup}).
   */
  private static void refuseWhatIsNoDatabase(Path source) {
    String not = "cannot restore from " + source + ": ";
    byte[] header = new byte[SQLITE_HEADER_SIZE];
    int read;
    long size;
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      size = in.size();
      ByteBuffer buffer = ByteBuffer.wrap(header);
      while (buffer.hasRemaining() && in.read(buffer) >= 0) {
        // until the header is read or the file ends
      }
      read = buffer.position();
    } catch (IOException e) {
      throw new BackupFailedException(not + "cannot read it (" + e + ")", e);
    }
    if (size == 0) {
      throw new BackupFailedException(not + "the file is empty (0 bytes): it is not a backup (a backup is a SQLite"
          + " database, as bin/stowage backup writes it)");
    }
    boolean sqlite = read >= SQLITE_MAGIC.length
        && Arrays.equals(Arrays.copyOf(header, SQLITE_MAGIC.length), SQLITE_MAGIC);
    if (!sqlite) {
      throw new BackupFailedException(not + "it is not a SQLite database" + (looksLikeText(header, read)
          ? ", it looks like a text file" : "") + " (it does not begin with SQLite's header): it is not a backup");
    }
    if (size < SQLITE_HEADER_SIZE) {
      throw new BackupFailedException(not + "it is " + size + " bytes, shorter than a SQLite database's header: it"
          + " was truncated");
    }
  }

  private static boolean looksLikeText(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      int b = bytes[i] & 0xff;
      if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  private static void copyFile(Path source, Path staged) throws IOException {
    Files.createFile(staged, Posix.ownerOnlyFile());
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(staged, StandardOpenOption.WRITE)) {
      long size = in.size();
      long copied = 0;
      while (copied < size) {
        copied += in.transferTo(copied, size - copied, out);
      }
    } catch (NoSuchFileException e) {
      throw new BackupFailedException("cannot restore from " + source + ": no such file", e);
    }
  }

  /**
   * Checks the staged copy of {@code source} before anything else opens it: a sound SQLite
   * database with the data database's tables, of a schema this code supports.
   *
   * @return its schema version
   */
  private static int checkBackup(Path source, Path staged) {
    String not = "cannot restore from " + source + ": ";
    try (Connection c = connect(staged, SQLiteOpenMode.READWRITE); Statement s = c.createStatement()) {
      String integrity;
      try {
        integrity = queryString(s, "PRAGMA integrity_check");
      } catch (SQLException e) {
        throw new BackupFailedException(not + "it " + SqliteFailure.of(e).description()
            + " (" + e.getMessage() + "); it is not a Stowage backup, or it was truncated or damaged", e);
      }
      if (!"ok".equals(integrity)) {
        throw new BackupFailedException(not + "it is damaged (truncated, or changed since it was made):"
            + " integrity_check says " + integrity.replace('\n', ';'));
      }
      Set<String> tables = new TreeSet<>();
      try (ResultSet rows = s.executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table'")) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      int version = (int) queryLong(s, "PRAGMA user_version");
      if (!tables.containsAll(DATA_TABLES) || version < 1) {
        throw new BackupFailedException(not + "it is a SQLite database, but not a Stowage data database"
            + " (its tables: " + (tables.isEmpty() ? "none" : String.join(", ", tables)) + ")");
      }
      int latest = Schema.latest(DatabaseKind.DATA);
      if (version > latest) {
        throw new BackupFailedException(not + "its schema version is " + version + ", this Stowage supports up to "
            + latest + " (was it made by a newer Stowage?)");
      }
      if (queryLong(s, "SELECT count(*) FROM key_check") == 0) {
        throw new BackupFailedException(not + "it holds no key check: it was not written by Stowage");
      }
      return version;
    } catch (SQLException e) {
      throw new BackupFailedException(not + "it " + SqliteFailure.of(e).description() + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Opens the staged copy as Stowage does (WAL, migrated to the current schema), checks the key
   * against it, counts it and closes it, which checkpoints its WAL into the file.
   */
  private static Counts openStaged(Path source, Path staging, BlobCipher cipher, int schemaVersion) {
    LocalDatabase db;
    try {
      db = LocalDatabase.open(staging, DatabaseKind.DATA, Durability.FULL);
    } catch (StorageFailedException e) {
      throw new BackupFailedException("cannot restore from " + source + ": " + e.getMessage(), e);
    }
    try {
      KeyCheck.verify(db, cipher);
      return new Counts(schemaVersion, new VlobTable(db).count(), new ChunkTable(db).count());
    } catch (InvalidRequestException e) {
      throw new BackupFailedException("cannot restore from " + source
          + ": the key does not open it (it was made from a workspace with another key)", e);
    } catch (StorageFailedException e) {
      throw new BackupFailedException("cannot restore from " + source + ": " + e.getMessage(), e);
    } finally {
      if (!db.isClosed()) {
        db.close();
      }
    }
  }

  private static Path asideDirectory(Path workspaceDir, Instant now) throws IOException {
    String name = ASIDE_NAME.format(now);
    Path dir = workspaceDir.resolve(name);
    for (int n = 2; Files.exists(dir); n++) {
      dir = workspaceDir.resolve(name + "-" + n);
    }
    return Files.createDirectory(dir, Posix.ownerOnlyDirectory());
  }

  /**
   * Moves the workspace's current files into {@code aside}, except the data database itself, which
   * is linked (or copied) there and then replaced by one rename: at every moment the workspace has
   * a whole data database, the old one or the new one. Its WAL is checkpointed into it first where
   * SQLite can (a cleanly closed workspace has none); a WAL that stays goes aside with it, since it
   * belongs to the old file and must never meet the new one.
   *
   * @return the names of what was set aside
   */
  private static List<String> setAside(Path workspaceDir, Path aside, Path dataFile, boolean dataExists)
      throws IOException {
    List<String> moved = new ArrayList<>();
    if (dataExists) {
      checkpointQuietly(dataFile);
      try {
        Files.createLink(aside.resolve(dataFile.getFileName()), dataFile);
      } catch (UnsupportedOperationException | IOException e) {
        Files.copy(dataFile, aside.resolve(dataFile.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
      moved.add(dataFile.getFileName().toString());
    }
    for (DatabaseKind kind : DatabaseKind.values()) {
      Path file = workspaceDir.resolve(kind.fileName());
      List<Path> files = kind == DatabaseKind.DATA ? List.of(sibling(file, "-wal"), sibling(file, "-shm"))
          : List.of(file, sibling(file, "-wal"), sibling(file, "-shm"));
      for (Path companion : files) {
        if (Files.exists(companion)) {
          Files.move(companion, aside.resolve(companion.getFileName()));
          moved.add(companion.getFileName().toString());
        }
      }
    }
    fsync(aside);
    return moved;
  }

  /** Moves the WAL of a closed database into it, if SQLite can; a damaged file is left as it is. */
  private static void checkpointQuietly(Path dataFile) {
    if (!Files.exists(sibling(dataFile, "-wal"))) {
      return;
    }
    try (Connection c = connect(dataFile, SQLiteOpenMode.READWRITE); Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (SQLException e) {
      // damaged: its WAL is set aside with it, unapplied
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Connection connect(Path file, SQLiteOpenMode mode) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setOpenMode(mode);
    config.setGetGeneratedKeys(false);
    return config.createConnection("jdbc:sqlite:" + file);
  }

  private static String queryString(Statement s, String sql) throws SQLException {
    try (ResultSet rows = s.executeQuery(sql)) {
      StringBuilder out = new StringBuilder();
      while (rows.next()) {
        out.append(out.length() == 0 ? "" : "\n").append(rows.getString(1));
      }
      return out.toString();
    }
  }

  private static long queryLong(Statement s, String sql) throws SQLException {
    try (ResultSet rows = s.executeQuery(sql)) {
      return rows.next() ? rows.getLong(1) : 0;
    }
  }

  private static Path sibling(Path file, String suffix) {
    return file.resolveSibling(file.getFileName() + suffix);
  }

  /** Syncs a file, or a directory (its entries: a rename in it), to the disk. */
  private static void fsync(Path path) {
    boolean directory = Files.isDirectory(path);
    try (FileChannel channel = FileChannel.open(path, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (IOException e) {
      if (!directory) {
        throw new BackupFailedException("cannot sync " + path + " to the disk: " + e, e);
      }
      // some platforms cannot open or sync a directory: the rename is as durable as they make it
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path partial) {
    for (String suffix : List.of("", "-journal", "-wal", "-shm")) {
      try {
        Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + suffix));
      } catch (IOException ignored) {
        // a temporary file left behind is named .NAME.partial: harmless, and the user sees it
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException ignored) {
          // a staging directory left behind holds only a checked copy of the backup
        }
      });
    } catch (IOException ignored) {
      // as above
    }
  }
}
