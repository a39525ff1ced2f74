package dev.stowage.storage;

import static dev.stowage.storage.TestDatabases.openCache;
import static dev.stowage.storage.TestDatabases.openData;
import static dev.stowage.storage.TestDatabases.pragma;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.WorkspaceInUseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalDatabaseTest {
  @TempDir Path root;
  private final List<LocalDatabase> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(LocalDatabase::close);
  }

  private LocalDatabase data(Path dir) {
    LocalDatabase db = openData(dir);
    opened.add(db);
    return db;
  }

  @Test
  void opensInWalModeWithTheRequestedDurabilityInAPrivateDirectory() throws Exception {
    Path dir = root.resolve("ws");
    LocalDatabase normal = data(dir);
    LocalDatabase full = LocalDatabase.open(root.resolve("ws2"), DatabaseKind.DATA, Durability.FULL);
    opened.add(full);

    assertThat(pragma(normal, "PRAGMA journal_mode")).isEqualTo("wal");
    assertThat(pragma(normal, "PRAGMA synchronous")).isEqualTo("1"); // NORMAL
    assertThat(pragma(full, "PRAGMA synchronous")).isEqualTo("2"); // FULL
    assertThat(pragma(normal, "PRAGMA locking_mode")).as("normal, so that readers can share the file").isEqualTo("normal");
    assertThat(pragma(normal, "PRAGMA wal_autocheckpoint")).isEqualTo("1000");
    assertThat(pragma(normal, "PRAGMA auto_vacuum")).as("INCREMENTAL").isEqualTo("2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(normal.file()).isEqualTo(dir.resolve("data_v1.sqlite"));
    assertThat(normal.schemaVersion()).isEqualTo(Schema.latest(DatabaseKind.DATA));
  }

  @Test
  @DisplayName("The database, its WAL and its shared memory are mode 0600; an older file's 0644 is tightened")
  void theFilesAreReadableByTheirOwnerOnly() throws Exception {
    Path dir = root.resolve("modes");
    LocalDatabase db = data(dir);
    db.begin();
    new ChunkTable(db).put(ChunkId.random(), 1, new byte[1], 0);
    db.commit();
    for (String name : List.of("data_v1.sqlite", "data_v1.sqlite-wal", "data_v1.sqlite-shm", "data_v1.sqlite.lock")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name)))).as(name)
          .isEqualTo("rw-------");
    }
    db.close();
    opened.remove(db);
    for (String name : List.of("data_v1.sqlite", "data_v1.sqlite-wal", "data_v1.sqlite-shm")) {
      if (Files.exists(dir.resolve(name))) {
        Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rw-r--r--")); // as SQLite made them
      }
    }

    data(dir);

    for (String name : List.of("data_v1.sqlite", "data_v1.sqlite-wal", "data_v1.sqlite-shm")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name)))).as(name)
          .isEqualTo("rw-------");
    }
  }

  @Test
  void theCacheDatabaseOpensWithAutoVacuumFull() {
    LocalDatabase cache = openCache(root);
    opened.add(cache);

    assertThat(pragma(cache, "PRAGMA auto_vacuum")).isEqualTo("1"); // FULL
    assertThat(cache.file().getFileName().toString()).isEqualTo("cache_v1.sqlite");
  }

  @Test
  void reopeningKeepsDataAndSchema() {
    LocalDatabase db = openData(root);
    ChunkId id = ChunkId.random();
    db.begin();
    new ChunkTable(db).put(id, 1, new byte[] {9}, 0);
    db.commit();
    db.close();

    LocalDatabase again = data(root);

    assertThat(new ChunkTable(again).get(id)).contains(new byte[] {9});
    assertThat(again.schemaVersion()).isEqualTo(Schema.latest(DatabaseKind.DATA));
  }

  @Test
  @DisplayName("INV-19: a schema newer than the code is refused with a clear error, and left untouched")
  void aNewerSchemaIsRefused() throws Exception {
    openData(root).close();
    TestDatabases.rawExecute(root.resolve("data_v1.sqlite"), "PRAGMA user_version = 99");

    assertThatThrownBy(() -> openData(root))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("schema version is 99")
        .hasMessageContaining("newer Stowage");
    assertThat(LocalDatabase.isOpen(root.resolve("data_v1.sqlite"))).isFalse();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("data_v1.sqlite"));
        var rows = c.createStatement().executeQuery("PRAGMA user_version")) {
      assertThat(rows.getInt(1)).isEqualTo(99);
    }
  }

  @Test
  @DisplayName("INV-19: a file that is not a database is refused with a clear error")
  void aFileThatIsNotADatabaseIsRefused() throws Exception {
    Files.createDirectories(root);
    Files.write(root.resolve("data_v1.sqlite"), "this is a text file, not a database at all".repeat(200).getBytes());

    assertThatThrownBy(() -> openData(root))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("is not a SQLite database");
  }

  @Test
  void aWorkspaceDirectoryThatCannotBeCreatedIsAClearError() throws Exception {
    Path blocker = Files.writeString(root.resolve("file"), "x");

    assertThatThrownBy(() -> openData(blocker.resolve("ws")))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("cannot create workspace directory");
  }

  @Test
  @DisplayName("INV-12: a database refuses calls from any thread but the one that opened it")
  void callsFromAnotherThreadAreRefused() {
    LocalDatabase db = data(root);
    ChunkTable chunks = new ChunkTable(db);

    ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> CompletableFuture.runAsync(() -> chunks.get(ChunkId.random())).get());

    assertThat(refused.getCause())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("belongs to thread '" + Thread.currentThread().getName() + "'");
    assertThat(db.ownerThreadName()).isEqualTo(Thread.currentThread().getName());
    assertThat(db.isFailed()).isFalse(); // a refused call does not touch the connection
    assertThat(chunks.get(ChunkId.random())).isEmpty();
  }

  @Test
  @DisplayName("INV-12: one writing connection per file: a second writer in the process is refused")
  void oneWriterPerFile() throws Exception {
    LocalDatabase db = data(root);
    db.begin();
    new ChunkTable(db).put(ChunkId.random(), 1, new byte[1], 0);
    db.commit();

    assertThatThrownBy(() -> openData(root))
        .isInstanceOf(WorkspaceInUseException.class) // a usage error, not a failure of the database
        .hasMessageContaining("already open in this process");
  }

  @Test
  @DisplayName("INV-12: a second program opening the workspace is refused while the writer holds its lock file")
  void aSecondProgramIsRefused() throws Exception {
    Path dir = root.resolve("shared");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            LockHolderChild.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .start();
    try {
      assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream())).readLine())
          .isEqualTo("open");

      assertThatThrownBy(() -> openData(dir))
          .isInstanceOf(WorkspaceInUseException.class)
          .hasMessageContaining("another program has this workspace open")
          .satisfies(e -> assertThat(SqliteFailure.of(e.getCause())).isEqualTo(SqliteFailure.LOCKED));
      assertThat(LocalDatabase.isOpen(dir.resolve("data_v1.sqlite"))).isFalse();
    } finally {
      child.getOutputStream().close();
      assertThat(child.waitFor()).isZero();
    }
    data(dir); // the child closed, or died: the lock is free again
    assertThat(Files.exists(LocalDatabase.lockFile(dir.resolve("data_v1.sqlite")))).isTrue();
  }

  @Test
  @DisplayName("INV-12: a reader reads the last commit, never the writer's open batch, and can change nothing")
  void aReaderSeesCommittedStateOnly() {
    LocalDatabase writer = data(root);
    ChunkTable written = new ChunkTable(writer);
    ChunkId committed = ChunkId.random();
    writer.begin();
    written.put(committed, 1, new byte[] {1}, 0);
    writer.commit();
    LocalDatabase reader = LocalDatabase.openReader(root, DatabaseKind.DATA);
    opened.add(reader);
    ChunkTable read = new ChunkTable(reader);

    ChunkId pending = ChunkId.random();
    writer.begin();
    written.put(pending, 1, new byte[] {2}, 0);
    assertThat(read.get(committed)).contains(new byte[] {1});
    assertThat(read.get(pending)).as("the writer's batch is not committed").isEmpty();
    writer.commit();
    assertThat(read.get(pending)).contains(new byte[] {2});

    assertThat(reader.isReader()).isTrue();
    assertThatThrownBy(reader::begin).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> read.put(ChunkId.random(), 1, new byte[1], 0))
        .isInstanceOf(StorageFailedException.class);
    assertThat(reader.isFailed()).as("a reader that was made to write fails closed, like a writer").isTrue();
    assertThat(written.count()).isEqualTo(2);
  }

  @Test
  void aReaderCheckpointsWhatTheWriterCommitted() throws Exception {
    LocalDatabase writer = LocalDatabase.open(root, DatabaseKind.DATA, Durability.NORMAL, true);
    opened.add(writer);
    assertThat(pragma(writer, "PRAGMA wal_autocheckpoint")).isEqualTo(String.valueOf(LocalDatabase.BACKSTOP_CHECKPOINT_PAGES));
    LocalDatabase reader = LocalDatabase.openReader(root, DatabaseKind.DATA);
    opened.add(reader);
    ChunkTable chunks = new ChunkTable(writer);
    writer.begin();
    for (int i = 0; i < 50; i++) {
      chunks.put(ChunkId.random(), 4096, new byte[4096], 0);
    }
    writer.commit();

    LocalDatabase.WalState after = reader.checkpointPassive();
    assertThat(after.frames()).isGreaterThanOrEqualTo(50); // at least a page per 4 KiB chunk
    assertThat(after.complete()).isTrue();
    writer.begin();
    chunks.put(ChunkId.random(), 1, new byte[1], 0);
    writer.commit();
    LocalDatabase.WalState restarted = reader.checkpointPassive();
    assertThat(restarted.frames()).as("the writer restarted the checkpointed WAL from its beginning")
        .isLessThan(after.frames());
    assertThat(restarted.complete()).isTrue();
    assertThat(new ChunkTable(reader).count()).isEqualTo(51);
  }

  @Test
  void aReaderNeedsTheWriterToHaveCreatedTheFile() {
    assertThatThrownBy(() -> LocalDatabase.openReader(root.resolve("none"), DatabaseKind.DATA))
        .isInstanceOf(StorageFailedException.class).hasMessageContaining("does not exist");
    assertThat(root.resolve("none").resolve("data_v1.sqlite")).doesNotExist();
  }

  @Test
  @DisplayName("INV-12: a workspace locked by another program fails to open with a clear error")
  void aLockedFileFailsToOpenClearly() throws Exception {
    openData(root).close();
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("data_v1.sqlite"))) {
      var s = other.createStatement();
      s.execute("PRAGMA locking_mode = EXCLUSIVE");
      s.execute("BEGIN IMMEDIATE");
      s.execute("INSERT INTO key_check (_id, sealed) VALUES (7, x'00')");

      assertThatThrownBy(() -> openData(root))
          .isInstanceOf(WorkspaceInUseException.class)
          .hasMessageContaining("locked by another process");
      s.execute("ROLLBACK");
    }
  }

  @Test
  @DisplayName("INV-6: SQLITE_FULL rolls back, closes, and fails every later call; reopening gives the last commit")
  void diskFullInvalidatesTheDatabase() {
    LocalDatabase db = openData(root);
    ChunkTable chunks = new ChunkTable(db);
    ChunkId committed = ChunkId.random();
    db.begin();
    chunks.put(committed, 10, new byte[10], 0);
    db.commit();
    int pages = Integer.parseInt(pragma(db, "PRAGMA page_count"));
    pragma(db, "PRAGMA max_page_count = " + (pages + 8));

    db.begin();
    List<ChunkId> written = new ArrayList<>();
    StorageFailedException full = org.junit.jupiter.api.Assertions.assertThrows(StorageFailedException.class, () -> {
      for (int i = 0; i < 1000; i++) {
        ChunkId id = ChunkId.random();
        chunks.put(id, 4096, new byte[4096], 0);
        written.add(id);
      }
    });

    assertThat(full).hasMessageContaining("is full").hasMessageContaining("rolled back");
    assertThat(SqliteFailure.of(full.getCause())).isEqualTo(SqliteFailure.DISK_FULL);
    assertThat(written).isNotEmpty();
    assertThat(db.isFailed()).isTrue();
    assertThat(db.isClosed()).isTrue();
    assertThatThrownBy(() -> chunks.get(committed)).isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("is full");
    assertThatThrownBy(db::commit).isInstanceOf(StorageFailedException.class);

    LocalDatabase reopened = data(root);
    ChunkTable after = new ChunkTable(reopened);
    assertThat(after.get(committed)).isPresent();
    assertThat(after.presentAmong(written)).isEmpty();
    assertThat(after.count()).isEqualTo(1);
    assertThat(reopened.integrityCheck()).isEqualTo("ok");
  }

  @Test
  @DisplayName("INV-6: a real I/O error (file size limit, EFBIG) invalidates the database; reopening gives the last commit")
  void ioErrorInvalidatesTheDatabase() throws Exception {
    Path dir = root.resolve("io");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // bash's ulimit -f counts 1 KiB blocks: 3 MiB fits the first commit, not the large transaction.
    Process child = new ProcessBuilder("bash", "-c",
            "ulimit -f 3072 && exec \"$0\" -cp \"$1\" dev.stowage.storage.IoErrorChild \"$2\"",
            java, System.getProperty("java.class.path"), dir.toString())
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes());
    int exit = child.waitFor();

    assertThat(output).contains("committed=100").contains("failure=IO_ERROR").contains("later=StorageFailedException");
    assertThat(exit).as(output).isZero();
    LocalDatabase reopened = data(dir);
    assertThat(new ChunkTable(reopened).count()).isEqualTo(100);
    assertThat(reopened.integrityCheck()).isEqualTo("ok");
  }

  @ParameterizedTest
  @ValueSource(strings = {"remove", "rename", "replace"})
  @DisplayName("INV-6: a database file removed, renamed or replaced while open fails the next commit instead of losing it silently")
  void aFileRemovedWhileOpenFailsTheNextCommit(String how) throws Exception {
    LocalDatabase db = openData(root);
    ChunkTable chunks = new ChunkTable(db);
    db.begin();
    chunks.put(ChunkId.random(), 1, new byte[1], 0);
    db.commit();
    Path file = db.file();
    switch (how) {
      case "remove" -> Files.delete(file);
      case "rename" -> Files.move(file, root.resolve("elsewhere.sqlite"));
      default -> {
        Files.move(file, root.resolve("old.sqlite"));
        Files.copy(root.resolve("old.sqlite"), file);
      }
    }

    db.begin();
    chunks.put(ChunkId.random(), 1, new byte[1], 0);
    assertThatThrownBy(db::commit)
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("removed or replaced while open");
    assertThat(db.isFailed()).isTrue();
    assertThat(LocalDatabase.isOpen(file)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"COMMIT", "commit", "  END TRANSACTION", "/* sneaky */ COMMIT", "-- x\nROLLBACK",
      "SAVEPOINT s", "RELEASE s", "BEGIN", "VACUUM", "PRAGMA journal_mode = DELETE", "ATTACH 'x' AS y"})
  @DisplayName("INV-7: a statement that would end the transaction is refused, and the batch is rolled back")
  void transactionControlStatementsAreRefused(String sql) {
    LocalDatabase db = openData(root);
    ChunkId pending = ChunkId.random();
    db.begin();
    new ChunkTable(db).put(pending, 1, new byte[1], 0);

    assertThatThrownBy(() -> db.run("evil", () -> db.statement(sql).execute()))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("had its transaction ended by a statement");
    assertThat(db.isFailed()).isTrue();

    LocalDatabase reopened = data(root);
    assertThat(new ChunkTable(reopened).get(pending)).isEmpty();
  }

  @Test
  @DisplayName("INV-7: the commit hook catches a transaction ended behind the owner's back")
  void theCommitHookCatchesWhatTheGuardMisses() {
    LocalDatabase db = openData(root);
    db.begin();
    new ChunkTable(db).put(ChunkId.random(), 1, new byte[1], 0);

    assertThatThrownBy(() -> db.run("sneaky", () -> db.unguardedStatement("COMMIT").execute()))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("had its transaction ended by a statement");
    assertThat(db.isFailed()).isTrue();
    assertThatThrownBy(db::commit).isInstanceOf(StorageFailedException.class);
  }

  @Test
  void vacuumRunsOnlyAboveTheThresholdAndLeavesTheFilesSmaller() {
    LocalDatabase db = data(root);
    leaveFreePages(db);
    long before = db.sizeOnDisk();

    assertThat(db.vacuumIfLargerThan(before)).isFalse();
    assertThat(db.sizeOnDisk()).isEqualTo(before);
    assertThat(db.vacuumIfLargerThan(before / 2)).isTrue();
    assertThat(db.sizeOnDisk()).isLessThan(before / 4);
    assertThat(db.integrityCheck()).isEqualTo("ok");
  }

  /** Stores 200 chunks of 16 KiB and deletes them: some 800 free pages for a vacuum. */
  private static void leaveFreePages(LocalDatabase db) {
    ChunkTable chunks = new ChunkTable(db);
    List<ChunkId> ids = new ArrayList<>();
    db.begin();
    for (int i = 0; i < 200; i++) {
      ChunkId id = ChunkId.random();
      chunks.put(id, 16 * 1024, new byte[16 * 1024], 0);
      ids.add(id);
    }
    db.commit();
    db.begin();
    chunks.deleteAll(ids);
    db.commit();
  }

  @Test
  void anIncrementalVacuumFreesPagesInStepsAndWritesRunBetweenThem() {
    LocalDatabase db = data(root);
    leaveFreePages(db);
    long before = db.sizeOnDisk();
    long free = db.freePages();
    assertThat(db.vacuumsIncrementally()).isTrue();
    assertThat(free).isGreaterThan(500);

    assertThat(db.startVacuum(before)).as("not above the threshold").isNull();
    IncrementalVacuum vacuum = db.startVacuum(before / 2);
    assertThat(vacuum.step(100)).isFalse();
    assertThat(db.freePages()).isEqualTo(free - 100);
    ChunkId between = ChunkId.random();
    db.begin(); // a write between two steps
    new ChunkTable(db).put(between, 3, new byte[] {1, 2, 3}, 0);
    db.commit();
    while (!vacuum.step(100)) {
      assertThat(vacuum.steps()).isLessThan(50);
    }

    assertThat(vacuum.steps()).isGreaterThan(5);
    assertThat(db.freePages()).isZero();
    assertThat(db.sizeOnDisk()).isLessThan(before / 4);
    assertThat(db.integrityCheck()).isEqualTo("ok");
    assertThat(new ChunkTable(db).get(between)).isPresent();
    assertThatThrownBy(() -> vacuum.step(100)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aDataFileFromBeforeIncrementalVacuumingIsConvertedByItsNextVacuum() throws Exception {
    Path dir = root.resolve("old");
    Files.createDirectories(dir);
    try (Connection old = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DatabaseKind.DATA.fileName()))) {
      old.createStatement().execute("CREATE TABLE made_before (x INTEGER)"); // auto_vacuum = NONE from now on
    }
    LocalDatabase db = data(dir);
    leaveFreePages(db);
    assertThat(db.vacuumsIncrementally()).isFalse();
    assertThatThrownBy(() -> db.startVacuum(0)).isInstanceOf(IllegalStateException.class);

    assertThat(db.vacuumIfLargerThan(0)).isTrue();

    assertThat(db.vacuumsIncrementally()).isTrue();
    assertThat(db.startVacuum(0).step(1_000)).as("nothing left to free").isTrue();
    assertThat(db.integrityCheck()).isEqualTo("ok");
  }

  @Test
  void aVacuumStepNeedsTheBatchCommittedFirst() {
    LocalDatabase db = data(root);
    leaveFreePages(db);
    IncrementalVacuum vacuum = db.startVacuum(0);
    db.begin();

    assertThatThrownBy(() -> vacuum.step(10)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> db.startVacuum(0)).isInstanceOf(IllegalStateException.class);
    db.commit();
    assertThat(vacuum.step(10)).isFalse();
  }

  @Test
  void vacuumAndCheckpointNeedTheBatchCommittedFirst() {
    LocalDatabase db = data(root);
    db.begin();

    assertThatThrownBy(() -> db.vacuumIfLargerThan(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(db::checkpoint).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(db::begin).isInstanceOf(IllegalStateException.class);
    db.commit();
    assertThatThrownBy(db::commit).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closingRollsBackAnUnacknowledgedBatchAndIsIdempotent() {
    LocalDatabase db = openData(root);
    ChunkId uncommitted = ChunkId.random();
    db.begin();
    new ChunkTable(db).put(uncommitted, 1, new byte[1], 0);

    db.close();
    db.close();

    assertThat(LocalDatabase.isOpen(db.file())).isFalse();
    assertThat(new ChunkTable(data(root)).get(uncommitted)).isEmpty();
  }

  @Test
  void timeInsideSqliteIsCounted() {
    LocalDatabase db = data(root);
    long before = db.nanosInSqlite();

    new VlobTable(db).get(EntryId.random());

    assertThat(db.nanosInSqlite()).isGreaterThan(before);
  }
}
