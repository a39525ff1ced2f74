package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.ManifestCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of a data database through a reader of their own, and restores: what the copy holds,
 * that it stays encrypted, and that every bad backup is refused with {@link
 * BackupFailedException} before anything of the workspace changes.
 */
class WorkspaceBackupTest {
  private static final String MARKER = "PLAINTEXT-MARKER-b4c6";
  private static final Instant NOW = Instant.parse("2025-06-07T08:09:10Z");

  @TempDir Path root;
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);
  private final List<Store> opened = new ArrayList<>();
  private ExecutorService writerThread;

  @AfterEach
  void closeAll() throws Exception {
    if (writerThread != null) {
      writerThread.shutdownNow();
      writerThread.awaitTermination(10, TimeUnit.SECONDS);
    }
    opened.forEach(Store::close);
  }

  private DataStore data(Path dir) {
    DataStore store = DataStore.open(dir, Durability.NORMAL, cipher);
    opened.add(store);
    return store;
  }

  /** Stores manifests 1..count (a folder whose one child is named after its number) and a chunk per manifest. */
  private static Map<EntryId, Integer> fill(DataStore store, BlobCipher cipher, int count) {
    Map<EntryId, Integer> written = new HashMap<>();
    store.database().begin();
    for (int i = 1; i <= count; i++) {
      EntryId id = EntryId.random();
      store.vlobs().put(id, i, false, cipher.seal(id, ManifestCodec.encode(folder(id, i))));
      ChunkId chunk = ChunkId.random();
      byte[] content = (MARKER + " chunk " + i).getBytes(StandardCharsets.UTF_8);
      store.chunks().put(chunk, content.length, cipher.seal(BlobCipher.Kind.CHUNK, chunk, content), 0);
      written.put(id, i);
    }
    store.database().commit();
    return written;
  }

  private static FolderManifest folder(EntryId id, int i) {
    return new FolderManifest(id, id, i, false, Instant.EPOCH, Map.of(MARKER + "-" + i, id));
  }

  /** Numbers of the manifests stored in {@code store}, each checked to decrypt to what was written. */
  private static TreeSet<Integer> numbers(DataStore store, BlobCipher cipher) {
    TreeSet<Integer> numbers = new TreeSet<>();
    store.vlobs().forEach(row -> {
      FolderManifest folder = (FolderManifest) ManifestCodec.decode(cipher.open(row.id(), row.blob()));
      int i = (int) folder.baseVersion();
      assertThat(folder).isEqualTo(folder(row.id(), i));
      numbers.add(i);
    });
    return numbers;
  }

  private static byte[] digest(Path dir) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> files = Files.walk(dir)) {
      // Lock files are empty, and made by whoever opens the workspace the way Stowage does.
      for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".lock")).sorted().toList()) {
        sha.update(file.toString().getBytes(StandardCharsets.UTF_8));
        sha.update(Files.readAllBytes(file));
      }
    }
    return sha.digest();
  }

  @Test
  @DisplayName("INV-20: a backup is one file of mode 0600, holds every row, and no plaintext of any")
  void aBackupHoldsEveryRowEncrypted() throws Exception {
    Path workspace = root.resolve("ws");
    DataStore store = data(workspace);
    fill(store, cipher, 50);
    Path to = root.resolve("backups/ws.stowage-backup");
    Files.createDirectories(to.getParent());

    BackupResult result = WorkspaceBackup.backup(workspace, to, false, LocalDatabase.BackupProgress.NONE);

    assertThat(result.file()).isEqualTo(to);
    assertThat(result.bytes()).isEqualTo(Files.size(to)).isPositive();
    assertThat(result.manifests()).isEqualTo(50);
    assertThat(result.chunks()).isEqualTo(50);
    assertThat(result.schemaVersion()).isEqualTo(Schema.latest(DatabaseKind.DATA));
    try (Stream<Path> files = Files.list(to.getParent())) {
      assertThat(files).as("no temporary, journal or WAL file left beside it").containsExactly(to);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(to))).isEqualTo("rw-------");
    assertThat(new String(Files.readAllBytes(to), StandardCharsets.ISO_8859_1)).doesNotContain(MARKER);
    assertThat(numbers(store, cipher)).hasSize(50); // the workspace itself is untouched
  }

  @Test
  @DisplayName("a backup taken while a writer commits holds exactly the commits before one moment: a prefix, no gaps")
  void aBackupUnderConcurrentWritesIsOneMoment() throws Exception {
    Path workspace = root.resolve("busy");
    DataStore seed = data(workspace);
    fill(seed, cipher, 0);
    // Ballast, so that the copy takes many steps while the writer commits.
    seed.database().begin();
    byte[] ballast = new byte[256 << 10];
    new Random(7).nextBytes(ballast);
    for (int i = 0; i < 64; i++) {
      ChunkId id = ChunkId.random();
      seed.chunks().put(id, ballast.length, cipher.seal(BlobCipher.Kind.CHUNK, id, ballast), 0);
    }
    seed.database().commit();
    seed.close();
    opened.remove(seed);

    AtomicInteger committed = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    writerThread = Executors.newSingleThreadExecutor();
    CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
      try (DataStore store = DataStore.open(workspace, Durability.NORMAL, cipher)) {
        int i = 0;
        while (!stop.get() || i < 200) {
          i++;
          EntryId id = EntryId.random();
          store.database().begin();
          store.vlobs().put(id, i, false, cipher.seal(id, ManifestCodec.encode(folder(id, i))));
          store.database().commit();
          committed.set(i);
        }
        return i;
      }
    }, writerThread);
    while (committed.get() < 100) {
      Thread.onSpinWait();
    }
    int before = committed.get();
    List<int[]> steps = new ArrayList<>();

    BackupResult result = WorkspaceBackup.backup(workspace, root.resolve("busy.backup"), false,
        (copied, total) -> steps.add(new int[] {copied, total}));
    int after = committed.get();
    stop.set(true);
    int last = writer.get(60, TimeUnit.SECONDS);

    WorkspaceBackup.restore(result.file(), root.resolve("restored"), cipher, false, NOW);
    TreeSet<Integer> restored = numbers(data(root.resolve("restored")), cipher);
    int k = restored.isEmpty() ? 0 : restored.last();
    assertThat(restored).as("writes 1..k, no gaps").hasSize(k);
    assertThat(k).as("every write committed before the backup started is in it").isGreaterThanOrEqualTo(before);
    assertThat(k).as("no write committed after it ended").isLessThanOrEqualTo(after);
    assertThat(result.manifests()).isEqualTo(k);
    assertThat(steps).as("copied in steps, with progress").hasSizeGreaterThan(1);
    assertThat(steps.get(steps.size() - 1)[0]).isEqualTo(steps.get(steps.size() - 1)[1]);
    assertThat(last).isGreaterThanOrEqualTo(after);
  }

  @Test
  @DisplayName("a restore puts the backup in place, migrates and checks it, and keeps what it replaced")
  void aRestoreReplacesTheWorkspaceAndKeepsTheOldFilesAside() throws Exception {
    Path workspace = root.resolve("ws");
    DataStore store = data(workspace);
    Map<EntryId, Integer> backedUp = fill(store, cipher, 10);
    Path backup = WorkspaceBackup.backup(workspace, root.resolve("ws.backup"), false, LocalDatabase.BackupProgress.NONE).file();
    fill(store, cipher, 5); // after the backup
    store.close();
    opened.remove(store);
    CacheStore.open(workspace, Durability.NORMAL, cipher, 10).close();

    WorkspaceBackup.RestoreResult result = WorkspaceBackup.restore(backup, workspace, cipher, true, NOW);

    assertThat(result.manifests()).isEqualTo(10);
    assertThat(result.replacedKeptIn()).contains(workspace.resolve("replaced-20250607T080910Z"));
    assertThat(result.replaced()).contains("data_v1.sqlite", "cache_v1.sqlite");
    DataStore restored = data(workspace);
    assertThat(numbers(restored, cipher)).containsExactlyInAnyOrderElementsOf(backedUp.values());
    assertThat(workspace.resolve(DatabaseKind.CACHE.fileName())).as("the block cache starts empty").doesNotExist();
    try (Stream<Path> files = Files.list(workspace)) {
      assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith(".restore"));
    }
    DataStore old = data(result.replacedKeptIn().orElseThrow());
    assertThat(old.vlobs().count()).as("the replaced database, whole").isEqualTo(15);
  }

  @Test
  void aBackupOfAnOlderSchemaIsMigratedByTheRestore() throws Exception {
    Path workspace = root.resolve("old");
    DataStore store = data(workspace);
    fill(store, cipher, 3);
    store.close();
    opened.remove(store);
    TestDatabases.rawExecute(workspace.resolve("data_v1.sqlite"), "DROP TABLE quarantine");
    TestDatabases.rawExecute(workspace.resolve("data_v1.sqlite"), "PRAGMA user_version = 1");

    BackupResult backup = WorkspaceBackup.backup(workspace, root.resolve("old.backup"), false, LocalDatabase.BackupProgress.NONE);
    WorkspaceBackup.RestoreResult result = WorkspaceBackup.restore(backup.file(), root.resolve("new"), cipher, false, NOW);

    assertThat(backup.schemaVersion()).isEqualTo(1);
    assertThat(result.schemaVersion()).isEqualTo(1);
    assertThat(result.replacedKeptIn()).isEmpty();
    DataStore restored = data(root.resolve("new"));
    assertThat(restored.database().schemaVersion()).isEqualTo(Schema.latest(DatabaseKind.DATA));
    assertThat(numbers(restored, cipher)).containsExactly(1, 2, 3);
  }

  @Test
  @DisplayName("a backup to an unwritable directory fails typed, leaves nothing behind, and the workspace works on")
  void aBackupToAnUnwritableDirectoryFails() throws Exception {
    Path workspace = root.resolve("ws");
    DataStore store = data(workspace);
    fill(store, cipher, 5);
    Path locked = Files.createDirectories(root.resolve("locked"));
    Assumptions.assumeTrue(Unwritable.make(locked), "needs a directory this user cannot write (chmod, or chattr +i as root)");
    try {
      assertThatThrownBy(() -> WorkspaceBackup.backup(workspace, locked.resolve("ws.backup"), false,
          LocalDatabase.BackupProgress.NONE))
          .isInstanceOf(BackupFailedException.class)
          .hasMessageContaining("cannot write in " + locked);
      try (Stream<Path> files = Files.list(locked)) {
        assertThat(files).isEmpty();
      }
    } finally {
      Unwritable.undo(locked);
    }
    fill(store, cipher, 5);
    assertThat(store.vlobs().count()).isEqualTo(10);
  }

  @Test
  void aBackupRefusesAnExistingFileAMissingDirectoryAndTheWorkspaceDirectory() throws Exception {
    Path workspace = root.resolve("ws");
    fill(data(workspace), cipher, 1);
    Path existing = Files.writeString(root.resolve("existing"), "keep me");

    assertThatThrownBy(() -> WorkspaceBackup.backup(workspace, existing, false, LocalDatabase.BackupProgress.NONE))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("the file exists");
    assertThat(Files.readString(existing)).isEqualTo("keep me");
    assertThatThrownBy(() -> WorkspaceBackup.backup(workspace, root.resolve("no/such/dir/b"), false,
        LocalDatabase.BackupProgress.NONE))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("no such directory");
    assertThatThrownBy(() -> WorkspaceBackup.backup(workspace, workspace.resolve("b"), false,
        LocalDatabase.BackupProgress.NONE))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("in the workspace directory");
    assertThatThrownBy(() -> WorkspaceBackup.backup(root.resolve("none"), root.resolve("b"), false,
        LocalDatabase.BackupProgress.NONE))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("does not exist");

    BackupResult replaced = WorkspaceBackup.backup(workspace, existing, true, LocalDatabase.BackupProgress.NONE);
    assertThat(replaced.manifests()).isEqualTo(1);
  }

  /** A backup to restore, and a workspace that a failed restore must leave exactly as it was. */
  private Path backupAndAWorkspaceToKeep(Path workspace) throws IOException {
    DataStore store = data(workspace);
    fill(store, cipher, 4);
    Path backup = WorkspaceBackup.backup(workspace, root.resolve("good.backup"), false, LocalDatabase.BackupProgress.NONE).file();
    store.close();
    opened.remove(store);
    return backup;
  }

  private void assertRestoreFails(Path from, Path workspace, BlobCipher with, String message) throws Exception {
    byte[] before = digest(workspace);

    assertThatThrownBy(() -> WorkspaceBackup.restore(from, workspace, with, true, NOW))
        .isInstanceOf(BackupFailedException.class)
        .hasMessageContaining(message);

    assertThat(digest(workspace)).as("the workspace is untouched").isEqualTo(before);
    assertThat(numbers(data(workspace), cipher)).hasSize(4);
    opened.remove(opened.size() - 1).close();
  }

  @Test
  @DisplayName("INV-19: restoring a file that is not a database fails typed and leaves the workspace untouched")
  void restoringAFileThatIsNotADatabaseFails() throws Exception {
    Path workspace = root.resolve("ws");
    backupAndAWorkspaceToKeep(workspace);
    Path text = Files.writeString(root.resolve("notes.txt"), "not a database, a text file".repeat(300));

    assertRestoreFails(text, workspace, cipher, "is not a SQLite database, it looks like a text file");
  }

  @Test
  @DisplayName("INV-19: restoring an empty file, or one that is SQLite's header and nothing else, says what it is; the workspace is untouched")
  void restoringAnEmptyOrAHeaderOnlyFileSaysWhatItIs() throws Exception {
    Path workspace = root.resolve("ws");
    Path backup = backupAndAWorkspaceToKeep(workspace);
    Path empty = Files.createFile(root.resolve("empty.backup"));
    Path binary = Files.write(root.resolve("random.backup"), new byte[] {0, 1, 2, (byte) 0xff, 7});
    Path headerOnly = Files.write(root.resolve("short.backup"), java.util.Arrays.copyOf(Files.readAllBytes(backup), 40));

    assertRestoreFails(empty, workspace, cipher, "the file is empty (0 bytes): it is not a backup");
    assertRestoreFails(binary, workspace, cipher, "it is not a SQLite database (it does not begin with SQLite's header)");
    assertRestoreFails(headerOnly, workspace, cipher, "it is 40 bytes, shorter than a SQLite database's header");
  }

  @Test
  @DisplayName("INV-19: restoring a truncated backup fails typed and leaves the workspace untouched")
  void restoringATruncatedBackupFails() throws Exception {
    Path workspace = root.resolve("ws");
    Path backup = backupAndAWorkspaceToKeep(workspace);
    byte[] whole = Files.readAllBytes(backup);
    Path truncated = Files.write(root.resolve("truncated.backup"), java.util.Arrays.copyOf(whole, whole.length / 2));

    assertRestoreFails(truncated, workspace, cipher, "or it was truncated or damaged");
  }

  @Test
  @DisplayName("INV-19, INV-20: restoring a backup under another key fails typed and leaves the workspace untouched")
  void restoringWithAnotherKeyFails() throws Exception {
    Path workspace = root.resolve("ws");
    Path backup = backupAndAWorkspaceToKeep(workspace);

    assertRestoreFails(backup, workspace, new BlobCipher(LocalKey.generate()), "the key does not open it");
  }

  @Test
  void restoringAnotherProgramsDatabaseOrAMissingFileFails() throws Exception {
    Path workspace = root.resolve("ws");
    backupAndAWorkspaceToKeep(workspace);
    Path other = root.resolve("other.sqlite");
    TestDatabases.rawExecute(other, "CREATE TABLE notes (text TEXT)");

    assertRestoreFails(other, workspace, cipher, "not a Stowage data database (its tables: notes)");
    assertRestoreFails(root.resolve("absent"), workspace, cipher, "no such file");
  }

  @Test
  @DisplayName("INV-19: restoring a backup of a newer schema fails typed and leaves the workspace untouched")
  void restoringANewerSchemaFails() throws Exception {
    Path workspace = root.resolve("ws");
    Path backup = backupAndAWorkspaceToKeep(workspace);
    TestDatabases.rawExecute(backup, "PRAGMA user_version = 99");

    assertRestoreFails(backup, workspace, cipher, "its schema version is 99");
  }

  @Test
  void restoringOverAWorkspaceWithoutReplaceOrWhileItIsOpenFails() throws Exception {
    Path workspace = root.resolve("ws");
    Path backup = backupAndAWorkspaceToKeep(workspace);

    assertThatThrownBy(() -> WorkspaceBackup.restore(backup, workspace, cipher, false, NOW))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("holds a workspace already");
    data(workspace);
    assertThatThrownBy(() -> WorkspaceBackup.restore(backup, workspace, cipher, true, NOW))
        .isInstanceOf(BackupFailedException.class).hasMessageContaining("open in this process");
  }

  @Test
  void aFailedRestoreIntoANewDirectoryLeavesNoDirectory() throws Exception {
    Path text = Files.writeString(root.resolve("notes.txt"), "not a database".repeat(300));

    assertThatThrownBy(() -> WorkspaceBackup.restore(text, root.resolve("fresh"), cipher, false, NOW))
        .isInstanceOf(BackupFailedException.class);

    assertThat(root.resolve("fresh")).doesNotExist();
  }
}
