package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 * What the disk and other programs do to a workspace: removed, read-only and corrupted files, a
 * truncated WAL, a full file system. Each case asserts the exact error and that nothing else was
 * lost.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultInjectionTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);

  private WorkspaceStorage open(String workspace) {
    return result(Stowage.open(testKit.system(), workspace, key, TestSettings.in(base)));
  }

  private static FolderManifest folder(EntryId id, long version) {
    return new FolderManifest(id, id, version, true, Instant.EPOCH, Map.of("v" + version, id));
  }

  private Map<EntryId, LocalManifest> writeManifests(WorkspaceStorage storage, int count, long version) {
    Map<EntryId, LocalManifest> written = new HashMap<>();
    for (int i = 0; i < count; i++) {
      EntryId id = EntryId.random();
      written.put(id, folder(id, version));
      result(storage.setManifest(id, written.get(id)));
    }
    return written;
  }

  @Test
  @DisplayName("INV-6: the workspace directory removed while open fails the workspace, not others")
  void aRemovedWorkspaceDirectoryFailsItsWorkspace() throws Exception {
    WorkspaceStorage doomed = open("doomed");
    WorkspaceStorage other = open("other");
    writeManifests(doomed, 3, 1);
    deleteRecursively(base.resolve("doomed"));

    EntryId id = EntryId.random();
    StorageException error = (StorageException) failure(doomed.setManifest(id, folder(id, 1)));

    assertThat(error).isInstanceOf(StorageFailedException.class).hasMessageContaining("removed or replaced while open");
    assertThat(failure(doomed.getManifest(id))).isInstanceOf(StorageFailedException.class);
    Map<EntryId, LocalManifest> stillFine = writeManifests(other, 3, 1);
    stillFine.forEach((otherId, manifest) -> assertThat(result(other.getManifest(otherId))).isEqualTo(manifest));
    assertThat(failure(doomed.close())).as("close of a failed workspace reports the failure")
        .isInstanceOf(StorageFailedException.class);
    assertThat(failure(doomed.getManifest(id))).isInstanceOf(StorageClosedException.class);
  }

  @Test
  @DisplayName("INV-6: once a call has failed with StorageFailedException, no cached manifest is served any more")
  void afterAFailureCachedReadsFailToo() throws Exception {
    for (int round = 0; round < 10; round++) { // the old race lost about half the time: ten rounds catch it
      String name = "cached-" + round;
      WorkspaceStorage storage = open(name);
      Map<EntryId, LocalManifest> cached = writeManifests(storage, 20, 1);
      cached.forEach((id, manifest) -> assertThat(result(storage.getManifest(id))).isEqualTo(manifest));
      ChunkId chunk = ChunkId.random();
      ChunkId block = ChunkId.random();
      result(storage.setChunk(chunk, new byte[] {1}));
      result(storage.setBlock(block, new byte[] {2}));
      deleteRecursively(base.resolve(name));

      EntryId id = EntryId.random();
      assertThat(failure(storage.setManifest(id, folder(id, 1)))).isInstanceOf(StorageFailedException.class);

      for (EntryId cachedId : cached.keySet()) {
        assertThat(failure(storage.getManifest(cachedId))).as("round %d: a cached read after the failure", round)
            .isInstanceOf(StorageFailedException.class);
      }
      assertThat(failure(storage.setManifest(id, folder(id, 2), true, Set.of())))
          .as("a cache-only write after the failure").isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.getChunk(chunk))).as("a chunk read, which a reader could still serve")
          .isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.getBlock(block))).isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.promoteChunkToBlock(chunk))).isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.getOutboundNeedSync(10))).isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.listManifests(null, 10))).isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.getOutboundSyncBacklog())).isInstanceOf(StorageFailedException.class);
      assertThat(failure(storage.close())).isInstanceOf(StorageFailedException.class);
    }
  }

  @Test
  @DisplayName("INV-9, SPEC 6b: promoting a chunk that does not decrypt is a CorruptEntryException and moves nothing")
  void promotingACorruptChunkMovesNothing() throws Exception {
    WorkspaceStorage storage = open("corrupt-promote");
    ChunkId chunk = ChunkId.random();
    result(storage.setChunk(chunk, new byte[500]));
    result(storage.close());
    Path dir = base.resolve("corrupt-promote");
    byte[] flipped;
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher)) {
      data.database().begin();
      flipped = flip(data.chunks().get(chunk).orElseThrow());
      data.chunks().put(chunk, 500, flipped, 0);
      data.database().commit();
    }

    WorkspaceStorage reopened = open("corrupt-promote");
    assertThat(failure(reopened.promoteChunkToBlock(chunk))).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining(chunk.toString());
    assertThat(failure(reopened.getBlock(chunk))).as("no block").isInstanceOf(EntryMissingException.class);
    assertThat(result(reopened.getLocalChunkIds(List.of(chunk)))).as("the chunk stays, for fsck to name")
        .containsExactly(chunk);
    result(reopened.close());
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher)) {
      assertThat(data.chunks().get(chunk)).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(flipped));
    }
  }

  @Test
  @DisplayName("INV-6: a database made read-only (immutable) cannot be opened for writing: a clear StorageFailedException; nothing lost")
  void readOnlyFilesAreAClearErrorAtOpen() throws Exception {
    WorkspaceStorage storage = open("readonly");
    Map<EntryId, LocalManifest> written = writeManifests(storage, 5, 1);
    result(storage.close());
    Path file = base.resolve("readonly/data_v1.sqlite");
    Assumptions.assumeTrue(chattr("+i", file), "needs chattr +i (ext4/xfs and CAP_LINUX_IMMUTABLE)");
    try {
      assertThat(failure(Stowage.open(testKit.system(), "readonly", key, TestSettings.in(base))))
          .isInstanceOf(StorageFailedException.class)
          .hasMessageContaining("data_v1.sqlite");
    } finally {
      chattr("-i", file);
    }
    WorkspaceStorage reopened = open("readonly");
    written.forEach((id, manifest) -> assertThat(result(reopened.getManifest(id))).isEqualTo(manifest));
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-6: a directory made read-only while open changes nothing for the open files: writes go on and survive")
  void aDirectoryMadeReadOnlyWhileOpenKeepsWorking() throws Exception {
    WorkspaceStorage storage = open("frozen");
    Path dir = base.resolve("frozen");
    Assumptions.assumeTrue(chattr("+i", dir), "needs chattr +i (ext4/xfs and CAP_LINUX_IMMUTABLE)");
    Map<EntryId, LocalManifest> written;
    try {
      written = writeManifests(storage, 20, 1);
      result(storage.setChunk(ChunkId.random(), new byte[1000]));
      result(storage.close());
    } finally {
      chattr("-i", dir);
    }
    WorkspaceStorage reopened = open("frozen");
    written.forEach((id, manifest) -> assertThat(result(reopened.getManifest(id))).isEqualTo(manifest));
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-9: a WAL truncated between runs: each entry reads as one of its written values or absent, never a mix or a decryption error")
  void aTruncatedWalLosesOnlyWholeTransactions() throws Exception {
    WorkspaceStorage storage = open("wal");
    Map<EntryId, LocalManifest> first = writeManifests(storage, 30, 1);
    Map<EntryId, LocalManifest> second = new HashMap<>();
    for (EntryId id : first.keySet()) {
      second.put(id, folder(id, 2));
      result(storage.setManifest(id, second.get(id)));
    }
    Path image = base.resolve("image");
    Files.createDirectories(image);
    for (String name : List.of("data_v1.sqlite", "data_v1.sqlite-wal", "cache_v1.sqlite", "cache_v1.sqlite-wal")) {
      Files.copy(base.resolve("wal").resolve(name), image.resolve(name)); // a crash image: the WAL is not checkpointed
    }
    result(storage.close());
    long walLength = Files.size(image.resolve("data_v1.sqlite-wal"));
    assertThat(walLength).isGreaterThan(4096);

    for (long cut : new long[] {walLength, walLength - 1, walLength * 3 / 4, walLength / 2 + 13, walLength / 4, 33, 0}) {
      Path trial = base.resolve("cut-" + cut);
      Files.createDirectories(trial.resolve("ws"));
      try (Stream<Path> files = Files.list(image)) {
        for (Path file : files.toList()) {
          Files.copy(file, trial.resolve("ws").resolve(file.getFileName()));
        }
      }
      try (FileChannel wal = FileChannel.open(trial.resolve("ws/data_v1.sqlite-wal"), StandardOpenOption.WRITE)) {
        wal.truncate(cut);
      }
      WorkspaceStorage recovered = result(Stowage.open(testKit.system(), "ws", key, TestSettings.in(trial)));
      int newest = 0;
      for (EntryId id : first.keySet()) {
        try {
          LocalManifest read = result(recovered.getManifest(id));
          assertThat(read).isIn(first.get(id), second.get(id));
          newest += read.equals(second.get(id)) ? 1 : 0;
        } catch (AssertionError e) {
          assertThat(e.getCause()).as("cut at %d", cut).isInstanceOf(EntryMissingException.class);
        }
      }
      if (cut == walLength) {
        assertThat(newest).isEqualTo(first.size());
      }
      result(recovered.close());
      try (DataStore data = DataStore.open(trial.resolve("ws"), Durability.NORMAL, cipher)) {
        assertThat(data.database().integrityCheck()).isEqualTo("ok");
      }
    }
  }

  @Test
  @DisplayName("INV-9: a flipped byte in a stored manifest, chunk or block is a CorruptEntryException for that entry only")
  void flippedBytesAffectOneEntry() throws Exception {
    WorkspaceStorage storage = open("flipped");
    Map<EntryId, LocalManifest> written = writeManifests(storage, 5, 1);
    EntryId victim = written.keySet().iterator().next();
    ChunkId chunk = ChunkId.random();
    ChunkId otherChunk = ChunkId.random();
    ChunkId block = ChunkId.random();
    result(storage.setChunk(chunk, new byte[500]));
    result(storage.setChunk(otherChunk, new byte[500]));
    result(storage.setBlock(block, new byte[500]));
    result(storage.close());
    Path dir = base.resolve("flipped");
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 100)) {
      data.database().begin();
      data.vlobs().put(victim, 1, true, flip(data.vlobs().get(victim).orElseThrow()));
      data.chunks().put(chunk, 500, flip(data.chunks().get(chunk).orElseThrow()), 0);
      data.database().commit();
      cache.database().begin();
      cache.putBlock(block, 500, flip(cache.blocks().table().get(block).orElseThrow()));
      cache.database().commit();
    }

    WorkspaceStorage reopened = open("flipped");
    assertThat(failure(reopened.getManifest(victim))).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining(victim.toString());
    assertThat(failure(reopened.getChunk(chunk))).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining(chunk.toString());
    assertThat(failure(reopened.getBlock(block))).isInstanceOf(CorruptEntryException.class);
    written.forEach((id, manifest) -> {
      if (!id.equals(victim)) {
        assertThat(result(reopened.getManifest(id))).isEqualTo(manifest);
      }
    });
    assertThat(result(reopened.getChunk(otherChunk))).hasSize(500);
    result(reopened.setManifest(victim, folder(victim, 7))); // a corrupt entry can be overwritten
    assertThat(result(reopened.getManifest(victim))).isEqualTo(folder(victim, 7));
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-19: a truncated database file is a StorageFailedException at open or at a read of what was cut off, never a hang nor wrong data")
  void aTruncatedDatabaseFile() throws Exception {
    WorkspaceStorage storage = open("truncated");
    Map<ChunkId, byte[]> chunks = new LinkedHashMap<>();
    for (int i = 0; i < 50; i++) {
      ChunkId id = ChunkId.random();
      byte[] bytes = new byte[4000];
      Arrays.fill(bytes, (byte) i);
      chunks.put(id, bytes);
      result(storage.setChunk(id, bytes));
    }
    result(storage.close());
    Path file = base.resolve("truncated/data_v1.sqlite");
    assertThat(base.resolve("truncated/data_v1.sqlite-wal")).as("a clean close leaves the file alone: no WAL")
        .doesNotExist();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }

    var opened = Stowage.open(testKit.system(), "truncated", key, TestSettings.in(base)).toCompletableFuture();
    WorkspaceStorage broken;
    try {
      broken = opened.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StorageFailedException.class).hasMessageContaining("corrupt");
      return;
    }
    // Half the chunks' pages are gone: reading them all reaches one; each read is its bytes or the failure.
    Throwable firstFailure = null;
    for (Map.Entry<ChunkId, byte[]> chunk : chunks.entrySet()) {
      try {
        assertThat(broken.getChunk(chunk.getKey()).toCompletableFuture().get(20, TimeUnit.SECONDS))
            .isEqualTo(chunk.getValue());
      } catch (java.util.concurrent.ExecutionException e) {
        firstFailure = e.getCause();
        break;
      }
    }
    assertThat(firstFailure).as("a read of a page that was cut off").isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("corrupt");
    assertThat(failure(broken.getLocalChunkIds(List.of(ChunkId.random())))).as("every later call fails too (INV-6)")
        .isInstanceOf(StorageFailedException.class);
    assertThat(failure(broken.close())).isInstanceOf(StorageFailedException.class);
  }

  @Test
  @DisplayName("INV-19: a schema from the future is refused at open with a clear error")
  void aSchemaFromTheFuture() throws Exception {
    result(open("future").close());
    try (DataStore data = DataStore.open(base.resolve("future"), Durability.NORMAL, cipher)) {
      data.database().setUserVersionForTest(42);
    }

    assertThat(failure(Stowage.open(testKit.system(), "future", key, TestSettings.in(base))))
        .isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("schema version is 42");
  }

  @Test
  @DisplayName("INV-6: a real full file system (ENOSPC on a tiny tmpfs) fails the workspace closed; reopening gives the last commit")
  void aFullFileSystem() throws Exception {
    Path mount = base.resolve("tiny");
    Files.createDirectories(mount);
    Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()),
        "needs permission to mount a tmpfs (root with CAP_SYS_ADMIN)");
    try {
      Path ballast = mount.resolve("ballast");
      // What the user deletes to free space afterwards: enough for the WAL's committed pages to move
      // into the database file and for the files' shared-memory indexes (SQLite's -shm files).
      Files.write(ballast, new byte[1024 * 1024]);
      WorkspaceStorage storage = result(Stowage.open(testKit.system(), "ws", key, TestSettings.in(mount)));
      Map<EntryId, LocalManifest> committed = writeManifests(storage, 5, 1);
      List<ChunkId> chunks = new ArrayList<>();
      StorageException error = null;
      for (int i = 0; i < 200 && error == null; i++) {
        ChunkId chunk = ChunkId.random();
        try {
          result(storage.setChunk(chunk, new byte[64 * 1024]));
          chunks.add(chunk);
        } catch (AssertionError e) {
          error = (StorageException) e.getCause();
        }
      }
      assertThat(error).isInstanceOf(StorageFailedException.class).hasMessageContaining("is full");
      assertThat(failure(storage.close())).isInstanceOf(StorageFailedException.class);
      Files.delete(ballast);

      WorkspaceStorage reopened = result(Stowage.open(testKit.system(), "ws", key, TestSettings.in(mount)));
      committed.forEach((id, manifest) -> assertThat(result(reopened.getManifest(id))).isEqualTo(manifest));
      assertThat(result(reopened.getLocalChunkIds(chunks))).containsExactlyInAnyOrderElementsOf(chunks);
      result(reopened.close());
    } finally {
      run("umount", mount.toString());
    }
  }

  private static byte[] flip(byte[] sealed) {
    byte[] flipped = sealed.clone();
    flipped[flipped.length / 2] ^= 0x40;
    return flipped;
  }

  private static boolean chattr(String flag, Path path) {
    return run("chattr", flag, path.toString());
  }

  private static boolean run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }


  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
