package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;
import dev.stowage.storage.Unwritable;
import dev.stowage.storage.WorkspaceBackup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WorkspaceStorage#backup} on an open, busy workspace: the copy is of one moment, the
 * workspace serves on meanwhile and after, and a backup that cannot be made fails typed and
 * changes nothing.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;
  private final LocalKey key = LocalKey.generate();

  private WorkspaceStorage open(Path baseDir, String workspace) {
    return result(Stowage.open(testKit.system(), workspace, key, TestSettings.in(baseDir)));
  }

  /** The known content of write {@code i}. */
  private static FolderManifest write(EntryId id, int i) {
    return new FolderManifest(id, id, i, false, Instant.EPOCH, Map.of("write " + i, id));
  }

  private static <T> T slowResult(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a backup under a sequential writer's durable setManifests holds writes 1..k, with every write acknowledged before it began")
  void aBackupUnderConcurrentWritesHoldsAPrefix() throws Exception {
    WorkspaceStorage storage = open(base, "busy");
    byte[] ballast = new byte[1 << 20];
    new Random(16).nextBytes(ballast);
    for (int i = 0; i < 24; i++) { // 24 MiB of chunks: the copy takes a while, the writer goes on meanwhile
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
      // Sequential: write i begins once write i - 1 is acknowledged (durable).
      for (int i = 1; i <= last.get(); i++) {
        result(storage.setManifest(ids.get(i), write(ids.get(i), i)));
        acknowledged.set(i);
      }
      return acknowledged.get();
    });
    while (acknowledged.get() < 200 && !writer.isDone()) {
      Thread.onSpinWait();
    }
    int before = acknowledged.get();

    BackupResult backup = slowResult(storage.backup(base.resolve("busy.backup")));
    int whenDone = acknowledged.get();
    last.set(Math.min(n, whenDone + 100)); // a few more writes after it, then stop
    int written = writer.get(120, TimeUnit.SECONDS);
    assertThat(result(storage.getManifest(ids.get(written)))).as("the workspace served on").isEqualTo(write(ids.get(written), written));
    result(storage.close());

    Path restoredBase = Files.createDirectories(base.resolve("restored"));
    WorkspaceBackup.restore(backup.file(), restoredBase.resolve("busy"), new BlobCipher(key), false, Instant.now());
    WorkspaceStorage restored = open(restoredBase, "busy");
    int k = 0;
    while (k < written && isStored(restored, ids.get(k + 1))) {
      k++;
    }
    for (int i = 1; i <= written; i++) {
      if (i <= k) {
        assertThat(result(restored.getManifest(ids.get(i)))).isEqualTo(write(ids.get(i), i));
      } else {
        assertThat(failure(restored.getManifest(ids.get(i)))).as("write %d, after write %d is missing: no gaps", i, k)
            .isInstanceOf(EntryMissingException.class);
      }
    }
    assertThat(k).as("every write acknowledged before the backup began").isGreaterThanOrEqualTo(before);
    assertThat(k).as("none begun after it completed").isLessThanOrEqualTo(whenDone + 1);
    assertThat(backup.manifests()).isEqualTo(k);
    assertThat(backup.chunks()).isEqualTo(24);
    result(restored.close());
  }

  @Test
  @DisplayName("a backup holds what was committed, not a cache-only write still dirty; it is mode 0600 and the workspace is unchanged")
  void aBackupHoldsTheCommittedStateOnly() throws Exception {
    WorkspaceStorage storage = open(base, "dirty");
    EntryId durable = EntryId.random();
    EntryId cacheOnly = EntryId.random();
    result(storage.setManifest(durable, write(durable, 1)));
    result(storage.setManifest(cacheOnly, write(cacheOnly, 2), true, Set.of()));

    BackupResult backup = slowResult(storage.backup(base.resolve("dirty.backup")));

    assertThat(backup.manifests()).isEqualTo(1);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup.file()))).isEqualTo("rw-------");
    assertThat(result(storage.getManifest(cacheOnly))).isEqualTo(write(cacheOnly, 2));
    result(storage.ensureManifestPersistent(cacheOnly));
    assertThat(slowResult(storage.backup(base.resolve("ensured.backup"))).manifests()).isEqualTo(2);
    result(storage.close());
  }

  @Test
  @DisplayName("a backup to an unwritable directory fails with BackupFailedException; the workspace keeps working")
  void aBackupToAnUnwritableDirectoryFailsTyped() throws Exception {
    WorkspaceStorage storage = open(base, "unwritable");
    EntryId id = EntryId.random();
    result(storage.setManifest(id, write(id, 1)));
    Path locked = Files.createDirectories(base.resolve("locked"));
    Assumptions.assumeTrue(Unwritable.make(locked), "needs a directory this user cannot write (chmod, or chattr +i as root)");
    try {
      assertThat(failure(storage.backup(locked.resolve("b")))).isInstanceOf(BackupFailedException.class)
          .hasMessageContaining("cannot write in " + locked);
    } finally {
      Unwritable.undo(locked);
    }
    assertThat(failure(storage.backup(base.resolve("no/such/dir/b")))).isInstanceOf(BackupFailedException.class)
        .hasMessageContaining("no such directory");
    Path existing = Files.writeString(base.resolve("existing"), "keep");
    assertThat(failure(storage.backup(existing))).isInstanceOf(BackupFailedException.class)
        .hasMessageContaining("the file exists");
    assertThat(Files.readString(existing)).isEqualTo("keep");

    EntryId after = EntryId.random();
    result(storage.setManifest(after, write(after, 2)));
    assertThat(result(storage.getManifest(id))).isEqualTo(write(id, 1));
    assertThat(result(storage.getManifest(after))).isEqualTo(write(after, 2));
    assertThat(slowResult(storage.backup(base.resolve("fine.backup"))).manifests()).isEqualTo(2);
    try (Stream<Path> left = Files.list(base)) {
      assertThat(left.map(path -> path.getFileName().toString())).noneMatch(name -> name.endsWith(".partial"));
    }
    result(storage.close());
  }

  @Test
  @DisplayName("INV-10, INV-19: a backup without a file, or of a closed workspace, is refused typed")
  void aBackupWithoutAFileOrAfterCloseIsRefused() {
    WorkspaceStorage storage = open(base, "refused");

    assertThat(failure(storage.backup(null))).isInstanceOf(InvalidRequestException.class);
    result(storage.close());
    assertThat(failure(storage.backup(base.resolve("late.backup")))).isInstanceOf(StorageClosedException.class);
    assertThat(base.resolve("late.backup")).doesNotExist();
  }

  /** Whether {@code id} has a manifest; false if the read fails with EntryMissingException. */
  private static boolean isStored(WorkspaceStorage storage, EntryId id) {
    return result(storage.getManifest(id).handle((manifest, error) -> {
      if (error != null && !(error instanceof EntryMissingException)) {
        throw new AssertionError("reading " + id + " failed with " + error, error);
      }
      return error == null;
    }));
  }
}
