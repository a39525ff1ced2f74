package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.WorkspaceManifest;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import dev.stowage.storage.QuarantineTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fsck --repair} on a workspace damaged in each way {@code fsck} finds: it quarantines what
 * does not read (keeping the original bytes), marks what the server has to be fetched again,
 * drops broken blocks, touches nothing readable, and leaves a workspace that {@code fsck} finds
 * clean and the library opens and uses.
 */
class FsckRepairTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);

  @TempDir Path dir;
  private Path config;
  private Path workspace;

  /** The entries of the damaged workspace, by what was done to them. */
  private final Map<String, EntryId> ids = new LinkedHashMap<>();
  private final Map<String, LocalManifest> manifests = new HashMap<>();
  private final Map<String, ChunkId> chunks = new HashMap<>();
  /** Stored bytes of the damaged rows, as the damage left them. */
  private final Map<EntryId, byte[]> damagedManifestBytes = new HashMap<>();
  private final Map<ChunkId, byte[]> damagedChunkBytes = new HashMap<>();

  @AfterAll
  static void stopTheActorSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void damagedWorkspace() throws IOException {
    config = Files.writeString(dir.resolve("small.conf"), "stowage { cache-size = 1 MiB, block-size = 64 KiB }\n"); // 16 blocks
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    workspace = dir.resolve("ws");
    for (String name : List.of("root", "folder", "good", "flipped", "copied", "dangling", "undecodable", "brokenChunk")) {
      ids.put(name, EntryId.random());
    }
    for (String name : List.of("good1", "good2", "deleted", "kept", "broken")) {
      chunks.put(name, ChunkId.random());
    }
    manifests.put("root", new WorkspaceManifest(ids.get("root"), 1, false, Instant.EPOCH, Map.of("folder", ids.get("folder"))));
    manifests.put("folder", folder("folder", 1, false));
    manifests.put("good", file("good", 2, false, "good1", "good2"));
    manifests.put("flipped", folder("flipped", 3, false));
    manifests.put("copied", folder("copied", 0, true)); // never uploaded, with local changes
    manifests.put("dangling", file("dangling", 2, false, "deleted", "kept"));
    manifests.put("undecodable", folder("undecodable", 5, false));
    manifests.put("brokenChunk", file("brokenChunk", 0, true, "broken"));

    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(workspace, Durability.NORMAL, cipher, 16)) {
      data.database().begin();
      manifests.forEach((name, manifest) -> data.vlobs().put(manifest.id(), manifest.baseVersion(), manifest.needSync(),
          cipher.seal(manifest.id(), ManifestCodec.encode(manifest))));
      chunks.forEach((name, id) -> data.chunks().put(id, 100, cipher.seal(BlobCipher.Kind.CHUNK, id, ChunkContent.of(id, 100)), 0));
      data.database().commit();

      data.database().begin();
      EntryId flipped = ids.get("flipped"); // 1. a byte of the ciphertext changed
      byte[] bytes = data.vlobs().get(flipped).orElseThrow().clone();
      bytes[bytes.length - 5] ^= 0x10;
      damage(data, flipped, bytes);
      damage(data, ids.get("copied"), data.vlobs().get(ids.get("good")).orElseThrow()); // 2. a row copied onto another id
      data.chunks().delete(chunks.get("deleted")); // 3. a chunk a file references, gone
      EntryId undecodable = ids.get("undecodable"); // 4. encrypted right, but not CBOR
      damage(data, undecodable, cipher.seal(undecodable, "not CBOR at all".getBytes(StandardCharsets.UTF_8)));
      ChunkId broken = chunks.get("broken"); // 5. a chunk that does not decrypt, and its file
      byte[] chunk = data.chunks().get(broken).orElseThrow().clone();
      chunk[chunk.length / 2] ^= 1;
      data.chunks().put(broken, 100, chunk, 0);
      damagedChunkBytes.put(broken, chunk);
      data.database().commit();

      cache.database().begin(); // 6. a broken block, and 18 good ones where 16 fit
      for (int i = 0; i < 19; i++) {
        ChunkId block = ChunkId.random();
        byte[] sealed = cipher.seal(BlobCipher.Kind.BLOCK, block, ChunkContent.of(block, 1000));
        if (i == 0) {
          sealed[20] ^= 1;
        }
        cache.blocks().table().put(block, 1000, sealed, i);
      }
      cache.database().commit();
    }
  }

  private void damage(DataStore data, EntryId id, byte[] bytes) {
    LocalManifest manifest = manifests.get(nameOf(id));
    data.vlobs().put(id, manifest.baseVersion(), manifest.needSync(), bytes);
    damagedManifestBytes.put(id, bytes);
  }

  private String nameOf(EntryId id) {
    return ids.entrySet().stream().filter(entry -> entry.getValue().equals(id)).findFirst().orElseThrow().getKey();
  }

  private FolderManifest folder(String name, long version, boolean needSync) {
    return new FolderManifest(ids.get(name), ids.get("root"), version, needSync, Instant.EPOCH, Map.of());
  }

  private FileManifest file(String name, long version, boolean needSync, String... chunkNames) {
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < chunkNames.length; i++) {
      refs.add(new ChunkRef(chunks.get(chunkNames[i]), i * 100L, 100));
    }
    return new FileManifest(ids.get(name), ids.get("folder"), version, needSync, Instant.EPOCH, 100L * chunkNames.length,
        4096, refs);
  }

  private CliRun fsck(String... extra) {
    List<String> args = new ArrayList<>(List.of("fsck", "--dir", dir.toString(), "--config", config.toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private Map<EntryId, byte[]> storedManifestBytes() {
    Map<EntryId, byte[]> stored = new HashMap<>();
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      data.vlobs().forEach(row -> stored.put(row.id(), row.blob()));
    }
    return stored;
  }

  @Test
  @DisplayName("INV-1, INV-9: fsck --repair quarantines each kind of damage with its original bytes, marks what the server has to fetch again, drops broken blocks, and fsck is clean after it")
  void repairQuarantinesEveryDamageAndLeavesACleanWorkspace() throws Exception {
    CliRun before = fsck();
    assertThat(before.exitCode()).as("%s", before).isEqualTo(ExitCodes.FINDINGS);
    Map<EntryId, byte[]> readableBefore = storedManifestBytes();
    readableBefore.keySet().removeAll(List.of(ids.get("flipped"), ids.get("copied"), ids.get("dangling"),
        ids.get("undecodable"), ids.get("brokenChunk")));
    Instant start = Instant.now();

    CliRun repair = fsck("--repair");

    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out())
        .contains("quarantined manifest " + ids.get("flipped") + ": does not decrypt",
            "marked to fetch again: version 3 is on the server")
        .contains("quarantined manifest " + ids.get("copied") + ": does not decrypt",
            "nothing to fetch: it was never uploaded (base version 0), so its content is lost")
        .contains("quarantined manifest " + ids.get("dangling") + ": the file references chunk " + chunks.get("deleted")
            + ", which is not uploaded and not stored")
        .contains("quarantined manifest " + ids.get("undecodable") + ": cannot decode manifest")
        .contains("quarantined chunk " + chunks.get("broken") + ": does not decrypt")
        .contains("quarantined manifest " + ids.get("brokenChunk") + ": the file references chunk " + chunks.get("broken")
            + ", which does not decrypt (quarantined with it)")
        .containsPattern("dropped block [0-9a-f-]+: does not decrypt")
        .contains("dropped 2 blocks over the cache's limit of 16")
        .contains("workspace ws: 3 manifests, ")
        .contains("fsck --repair: 5 manifest(s) quarantined (3 to fetch again), 1 chunk(s) quarantined,"
            + " 3 block(s) dropped; clean now");
    assertThat(repair.out().lines().filter(line -> line.startsWith("  quarantined") || line.startsWith("  dropped")))
        .as("one line per action").hasSize(8);

    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      List<QuarantineTable.Row> rows = data.quarantine().all();
      assertThat(rows).hasSize(6);
      for (QuarantineTable.Row row : rows) {
        assertThat(row.quarantinedAt()).isBetween(start.minusSeconds(1), Instant.now());
        if (row.kind() == QuarantineTable.Kind.CHUNK) {
          ChunkId id = ChunkId.fromBytes(row.rowId());
          assertThat(row.data()).as("the original bytes of chunk %s", id).isEqualTo(damagedChunkBytes.get(id));
          continue;
        }
        EntryId id = EntryId.fromBytes(row.rowId());
        LocalManifest original = manifests.get(nameOf(id));
        if (damagedManifestBytes.containsKey(id)) {
          assertThat(row.data()).as("the original bytes of %s", nameOf(id)).isEqualTo(damagedManifestBytes.get(id));
        } else {
          assertThat(ManifestCodec.decode(cipher.open(id, row.data()))).as("a readable file, kept whole").isEqualTo(original);
        }
        assertThat(row.baseVersion()).isEqualTo(original.baseVersion());
        assertThat(row.needSync()).isEqualTo(original.needSync());
        assertThat(row.fetchAgain()).isEqualTo(original.baseVersion() > 0);
      }
      assertThat(data.remoteNeedSync()).containsExactlyInAnyOrder(ids.get("flipped"), ids.get("dangling"), ids.get("undecodable"));
      assertThat(data.chunks().get(chunks.get("kept"))).as("a readable chunk stays").isPresent();
    }
    Map<EntryId, byte[]> readableAfter = storedManifestBytes();
    assertThat(readableAfter.keySet()).containsExactlyInAnyOrderElementsOf(readableBefore.keySet());
    readableBefore.forEach((id, bytes) -> assertThat(readableAfter.get(id)).as("%s untouched", nameOf(id)).isEqualTo(bytes));

    CliRun check = fsck();
    assertThat(check.exitCode()).as("%s", check).isEqualTo(ExitCodes.OK);
    assertThat(check.out()).contains("fsck: clean");
  }

  @Test
  @DisplayName("a second fsck --repair does nothing: no row moves, none is dropped")
  void aSecondRepairDoesNothing() throws Exception {
    assertThat(fsck("--repair").exitCode()).isEqualTo(ExitCodes.OK);
    String before = contents();

    CliRun again = fsck("--repair");

    assertThat(again.exitCode()).as("%s", again).isEqualTo(ExitCodes.OK);
    assertThat(again.out()).contains("  nothing to repair").contains("fsck --repair: nothing repaired; clean now")
        .doesNotContain("quarantined ").doesNotContain("dropped");
    assertThat(contents()).isEqualTo(before);
  }

  @Test
  @DisplayName("after fsck --repair the library opens the workspace: readable entries read, quarantined ones are missing and need-sync remote until stored again")
  void theLibraryUsesTheRepairedWorkspace() throws Exception {
    assertThat(fsck("--repair").exitCode()).isEqualTo(ExitCodes.OK);
    StorageSettings settings = AppConfig.storageSettings(AppConfig.load(config)).withBaseDir(dir);
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), "ws", key, settings));

    assertThat(result(storage.getManifest(ids.get("good")))).isEqualTo(manifests.get("good"));
    assertThat(result(storage.getChunk(chunks.get("good1")))).isEqualTo(ChunkContent.of(chunks.get("good1"), 100));
    assertThat(failure(storage.getManifest(ids.get("flipped")))).isInstanceOf(EntryMissingException.class);
    NeedSync needSync = result(storage.getNeedSyncEntries());
    assertThat(needSync.remote()).containsExactlyInAnyOrder(ids.get("flipped"), ids.get("dangling"), ids.get("undecodable"));
    assertThat(needSync.local()).doesNotContain(ids.get("copied"), ids.get("brokenChunk"));

    FolderManifest downloaded = folder("flipped", 4, false); // what the sync engine fetched
    result(storage.setManifest(ids.get("flipped"), downloaded));

    assertThat(result(storage.getManifest(ids.get("flipped")))).isEqualTo(downloaded);
    assertThat(result(storage.getNeedSyncEntries()).remote()).containsExactlyInAnyOrder(ids.get("dangling"), ids.get("undecodable"));
    EntryId fresh = EntryId.random();
    result(storage.setManifest(fresh, new FolderManifest(fresh, ids.get("root"), 0, true, Instant.EPOCH, Map.of())));
    result(storage.close());
    assertThat(fsck().exitCode()).isEqualTo(ExitCodes.OK);
  }

  @Test
  @DisplayName("INV-13: a block cache that is not a database is dropped; the workspace opens with an empty one")
  void aBrokenCacheFileIsDropped() throws Exception {
    Path cacheFile = workspace.resolve(DatabaseKind.CACHE.fileName());
    Files.write(cacheFile, "not a database".repeat(500).getBytes(StandardCharsets.UTF_8));

    CliRun repair = fsck("--repair");

    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out()).contains("dropped the block cache: cache_v1.sqlite is not a SQLite database")
        .contains("1 block cache(s) dropped");
    assertThat(cacheFile).doesNotExist();
    StorageSettings settings = AppConfig.storageSettings(AppConfig.load(config)).withBaseDir(dir);
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), "ws", key, settings));
    assertThat(result(storage.stats()).blocks()).isZero();
    result(storage.close());
  }

  @Test
  @DisplayName("INV-9: a data file that is not a database is not repaired: it is left as it is, and fsck --repair exits 1 saying to restore it")
  void aDamagedDataFileIsLeftAndReported() throws Exception {
    Path dataFile = workspace.resolve(DatabaseKind.DATA.fileName());
    Files.write(dataFile, "not a database".repeat(500).getBytes(StandardCharsets.UTF_8));
    byte[] before = Files.readAllBytes(dataFile);

    CliRun repair = fsck("--repair");

    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.FINDINGS);
    assertThat(repair.out()).contains("not repaired: data_v1.sqlite is not a SQLite database")
        .contains("restore it from a backup:", "bin/stowage restore --from FILE --dir " + dir + " --workspace ws --force")
        .contains("finding(s) left");
    CliRun check = fsck();
    assertThat(check.out()).as("plain fsck gives the same next step").contains("restore it from a backup:",
        "bin/stowage restore --from FILE --dir " + dir + " --workspace ws --force");
    assertThat(Files.readAllBytes(dataFile)).isEqualTo(before);
  }

  /** Every row of both databases, quarantine included, as text: ids and a digest of their bytes. */
  private String contents() throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    List<String> rows = new ArrayList<>();
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(workspace, Durability.NORMAL, cipher, 16)) {
      data.vlobs().forEach(row -> rows.add("vlob " + row.id() + " " + HexFormat.of().formatHex(sha.digest(row.blob()))));
      data.chunks().allIds().forEach(id -> rows.add("chunk " + id + " "
          + HexFormat.of().formatHex(sha.digest(data.chunks().get(id).orElseThrow()))));
      data.quarantine().all().forEach(row -> rows.add("quarantine " + row.id() + " "
          + HexFormat.of().formatHex(sha.digest(row.data()))));
      cache.blocks().table().allIds().forEach(id -> rows.add("block " + id));
    }
    rows.sort(null);
    return String.join("\n", rows);
  }

  private static <T> T result(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletionStage<?> stage) throws Exception {
    try {
      Object value = stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
