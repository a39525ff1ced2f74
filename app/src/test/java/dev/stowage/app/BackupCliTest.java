package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.LocalKey;
import dev.stowage.storage.Unwritable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stowage backup} and {@code stowage restore}: a backup taken from another program's open,
 * busy workspace is one moment of it; a restore checks the backup before it touches anything, and
 * refuses, changing nothing, whatever it cannot restore.
 */
class BackupCliTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path dir;
  private final LocalKey key = LocalKey.generate();
  private StorageSettings settings;

  @AfterAll
  static void stopTheActorSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void keyFile() throws IOException {
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    settings = AppConfig.storageSettings(AppConfig.load(null)).withBaseDir(dir);
  }

  private WorkspaceStorage open(String workspace) throws Exception {
    return result(Stowage.open(testKit.system(), workspace, key, settings));
  }

  private static FolderManifest write(EntryId id, int i) {
    return new FolderManifest(id, id, i, false, Instant.EPOCH, Map.of("write " + i, id));
  }

  private CliRun cli(String command, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--dir", dir.toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** A closed workspace of {@code count} manifests, {@code ws}, and its backup. */
  private Path workspaceAndBackup(int count) throws Exception {
    WorkspaceStorage storage = open("ws");
    for (int i = 1; i <= count; i++) {
      EntryId id = EntryId.random();
      result(storage.setManifest(id, write(id, i)));
    }
    result(storage.close());
    Path backup = dir.resolve("ws.backup");
    CliRun run = cli("backup", "--to", backup.toString());
    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
    return backup;
  }

  @Test
  @DisplayName("bin/stowage backup of a workspace a running program writes to holds writes 1..k, with every write acknowledged before it began")
  void aBackupOfABusyWorkspaceHoldsAPrefix() throws Exception {
    WorkspaceStorage storage = open("busy");
    byte[] ballast = new byte[1 << 20];
    new Random(3).nextBytes(ballast);
    for (int i = 0; i < 16; i++) {
      result(storage.setChunk(ChunkId.random(), ballast));
    }
    int n = 3_000;
    List<EntryId> ids = new ArrayList<>();
    for (int i = 0; i <= n; i++) {
      ids.add(EntryId.random());
    }
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger last = new AtomicInteger(n);
    CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
      for (int i = 1; i <= last.get(); i++) {
        try {
          result(storage.setManifest(ids.get(i), write(ids.get(i), i)));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        acknowledged.set(i);
      }
      return acknowledged.get();
    });
    while (acknowledged.get() < 200 && !writer.isDone()) {
      Thread.onSpinWait();
    }
    int before = acknowledged.get();

    CliRun backup = cli("backup", "--workspace", "busy", "--to", dir.resolve("busy.backup").toString());
    int whenDone = acknowledged.get();
    last.set(Math.min(n, whenDone + 100));
    int written = writer.get(120, TimeUnit.SECONDS);
    result(storage.close());

    assertThat(backup.exitCode()).as("%s", backup).isEqualTo(ExitCodes.OK);
    assertThat(backup.out()).contains("backup of workspace busy: ", "16 chunks", "written to " + dir.resolve("busy.backup"));
    CliRun restore = cli("restore", "--workspace", "copy", "--from", dir.resolve("busy.backup").toString());
    assertThat(restore.exitCode()).as("%s", restore).isEqualTo(ExitCodes.OK);
    WorkspaceStorage copy = open("copy");
    int k = 0;
    while (k < written && isStored(copy, ids.get(k + 1))) {
      k++;
    }
    for (int i = 1; i <= written; i++) {
      if (i <= k) {
        assertThat(result(copy.getManifest(ids.get(i)))).isEqualTo(write(ids.get(i), i));
      } else {
        assertThat(isStored(copy, ids.get(i))).as("write %d, after write %d is missing: no gaps", i, k).isFalse();
      }
    }
    assertThat(k).as("every write acknowledged before the backup began").isGreaterThanOrEqualTo(before);
    assertThat(k).as("none begun after it completed").isLessThanOrEqualTo(whenDone + 1);
    assertThat(backup.out()).contains(k + " manifests");
    result(copy.close());
    assertThat(cli("fsck", "--workspace", "copy").exitCode()).isEqualTo(ExitCodes.OK);
  }

  @Test
  @DisplayName("restore over an existing workspace needs --force; with it, it says what it replaced and keeps it")
  void restoreReplacesOnlyWithForce() throws Exception {
    Path backup = workspaceAndBackup(5);
    WorkspaceStorage storage = open("ws");
    EntryId later = EntryId.random();
    result(storage.setManifest(later, write(later, 99)));
    result(storage.close());
    String before = digest(dir.resolve("ws"));

    CliRun refused = cli("restore", "--workspace", "ws", "--from", backup.toString());

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(ExitCodes.ERROR);
    assertThat(refused.err()).contains("workspace 'ws' exists in " + dir, "pass --force").doesNotContain("\tat ");
    assertThat(digest(dir.resolve("ws"))).isEqualTo(before);

    CliRun forced = cli("restore", "--workspace", "ws", "--from", backup.toString(), "--force");

    assertThat(forced.exitCode()).as("%s", forced).isEqualTo(ExitCodes.OK);
    assertThat(forced.out()).contains("restored workspace ws from " + backup + ": 5 manifests")
        .contains("replaced data_v1.sqlite").containsPattern("kept in .*/ws/replaced-\\d{8}T\\d{6}Z")
        .contains("the block cache starts empty");
    WorkspaceStorage restored = open("ws");
    assertThat(isStored(restored, later)).as("the write after the backup is not in it").isFalse();
    result(restored.close());
    try (Stream<Path> aside = Files.list(dir.resolve("ws")).filter(path -> path.getFileName().toString().startsWith("replaced-"))) {
      assertThat(aside.toList()).singleElement()
          .satisfies(path -> assertThat(path.resolve(DatabaseKind.DATA.fileName())).exists());
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ws/data_v1.sqlite"))))
        .isEqualTo("rw-------");
  }

  @Test
  @DisplayName("INV-19: restoring a text file, an empty file, a truncated backup or one under another key fails with a one-line error saying which; the workspace is untouched")
  void badBackupsAreRefusedAndChangeNothing(@TempDir Path keys) throws Exception {
    Path backup = workspaceAndBackup(5);
    String before = digest(dir.resolve("ws"));
    Path text = Files.writeString(dir.resolve("notes.txt"), "a text file".repeat(400));
    Path empty = Files.createFile(dir.resolve("empty.backup"));
    byte[] whole = Files.readAllBytes(backup);
    Path truncated = Files.write(dir.resolve("truncated.backup"), Arrays.copyOf(whole, whole.length / 2));
    Path otherKey = keys.resolve("other.key");
    LocalKey.generate().save(otherKey);

    CliRun notADatabase = cli("restore", "--workspace", "ws", "--force", "--from", text.toString());
    CliRun emptyFile = cli("restore", "--workspace", "ws", "--force", "--from", empty.toString());
    CliRun cut = cli("restore", "--workspace", "ws", "--force", "--from", truncated.toString());
    CliRun wrongKey = cli("restore", "--workspace", "ws", "--force", "--from", backup.toString(),
        "--key-file", otherKey.toString());
    CliRun missing = cli("restore", "--workspace", "ws", "--force", "--from", dir.resolve("absent").toString());

    for (CliRun run : List.of(notADatabase, emptyFile, cut, wrongKey, missing)) {
      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
      assertThat(run.err()).startsWith("stowage restore: cannot restore from ").doesNotContain("\tat ");
      assertThat(run.err().lines()).as("%s", run).hasSize(1);
    }
    assertThat(notADatabase.err()).contains("it is not a SQLite database, it looks like a text file");
    assertThat(emptyFile.err()).contains(empty + ": the file is empty (0 bytes): it is not a backup")
        .doesNotContain("a SQLite database, but");
    assertThat(cut.err()).contains("truncated or damaged");
    assertThat(wrongKey.err()).contains("the key does not open it");
    assertThat(missing.err()).contains("no such file");
    assertThat(digest(dir.resolve("ws"))).isEqualTo(before);
    assertThat(cli("fsck", "--workspace", "ws").exitCode()).isEqualTo(ExitCodes.OK);
  }

  @Test
  @DisplayName("INV-12: restore refuses a workspace a running program has open")
  void restoreRefusesAnOpenWorkspace() throws Exception {
    Path backup = workspaceAndBackup(2);
    WorkspaceStorage storage = open("ws");

    CliRun run = cli("restore", "--workspace", "ws", "--force", "--from", backup.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("open in this process").doesNotContain("\tat ");
    EntryId id = EntryId.random();
    result(storage.setManifest(id, write(id, 1)));
    result(storage.close());
  }

  @Test
  void backupRefusesAnExistingFileWithoutForceAndAnAmbiguousWorkspace() throws Exception {
    Path backup = workspaceAndBackup(3);
    result(open("second").close());

    CliRun ambiguous = cli("backup", "--to", dir.resolve("other.backup").toString());
    CliRun exists = cli("backup", "--workspace", "ws", "--to", backup.toString());
    CliRun forced = cli("backup", "--workspace", "ws", "--to", backup.toString(), "--force");
    CliRun noWorkspace = cli("restore", "--from", backup.toString());

    assertThat(ambiguous.exitCode()).as("%s", ambiguous).isEqualTo(ExitCodes.ERROR);
    assertThat(ambiguous.err()).contains("holds 2 workspaces (second, ws): pass --workspace");
    assertThat(exists.exitCode()).as("%s", exists).isEqualTo(ExitCodes.ERROR);
    assertThat(exists.err()).contains("the file exists");
    assertThat(forced.exitCode()).as("%s", forced).isEqualTo(ExitCodes.OK);
    assertThat(noWorkspace.exitCode()).as("%s", noWorkspace).isEqualTo(ExitCodes.USAGE);
    assertThat(noWorkspace.err()).contains("Missing required option: '--workspace=ID'");
  }

  @Test
  @DisplayName("a backup to an unwritable directory fails with a one-line error and leaves nothing")
  void backupToAnUnwritableDirectoryFails() throws Exception {
    workspaceAndBackup(1);
    Path locked = Files.createDirectories(dir.resolve("locked"));
    try {
      Assumptions.assumeTrue(Unwritable.make(locked), "needs a directory this user cannot write");
      CliRun run = cli("backup", "--to", locked.resolve("b").toString());

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
      assertThat(run.err()).contains("cannot back up to " + locked.resolve("b")).doesNotContain("\tat ");
      try (Stream<Path> files = Files.list(locked)) {
        assertThat(files).isEmpty();
      }
    } finally {
      Unwritable.undo(locked);
    }
  }

  private static boolean isStored(WorkspaceStorage storage, EntryId id) throws Exception {
    try {
      storage.getManifest(id).toCompletableFuture().get(20, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EntryMissingException) {
        return false;
      }
      throw e;
    }
  }

  /** The workspace's files and their bytes, lock files aside (empty, made by whoever opens it). */
  private static String digest(Path workspace) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> files = Files.walk(workspace)) {
      for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".lock")).sorted().toList()) {
        sha.update(file.toString().getBytes(StandardCharsets.UTF_8));
        sha.update(Files.readAllBytes(file));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static <T> T result(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
