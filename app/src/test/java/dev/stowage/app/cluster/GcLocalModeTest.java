package dev.stowage.app.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.AppConfig;
import dev.stowage.app.ChunkContent;
import dev.stowage.app.CliRun;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stowage gc --dir DIR}: the orphan chunks of a local workspace, offline. */
class GcLocalModeTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);
  @TempDir Path dir;
  private Path workspace;

  private final ChunkId referenced = ChunkId.random();
  private final ChunkId uploadedOnly = ChunkId.random();
  private final ChunkId oldOrphan = ChunkId.random();
  private final ChunkId undatedOrphan = ChunkId.random();
  private final ChunkId youngOrphan = ChunkId.random();

  @AfterAll
  static void stopTheActorSystem() {
    testKit.shutdownTestKit();
  }

  /**
   * A file referencing a chunk not uploaded and an uploaded one (not promoted yet), both written
   * two hours ago; and three orphans: two hours old, with no write time (written before one was
   * recorded), and just written.
   */
  @BeforeEach
  void workspace() throws Exception {
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    workspace = dir.resolve("ws");
    double now = System.currentTimeMillis() / 1000.0;
    double twoHoursAgo = now - 2 * 3600;
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      data.database().begin();
      EntryId file = EntryId.random();
      FileManifest manifest = new FileManifest(file, EntryId.random(), 1, false, Instant.EPOCH, 200, 4096,
          List.of(new ChunkRef(referenced, 0, 100), new ChunkRef(uploadedOnly, 100, 100).asUploaded()));
      data.vlobs().put(file, 1, false, cipher.seal(file, ManifestCodec.encode(manifest)));
      put(data, referenced, twoHoursAgo);
      put(data, uploadedOnly, twoHoursAgo);
      put(data, oldOrphan, twoHoursAgo);
      put(data, undatedOrphan, 0);
      put(data, youngOrphan, now);
      data.database().commit();
    }
  }

  private void put(DataStore data, ChunkId id, double writtenAt) {
    data.chunks().put(id, 100, cipher.seal(BlobCipher.Kind.CHUNK, id, ChunkContent.of(id, 100)), writtenAt);
  }

  private Set<ChunkId> storedChunks() {
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      return data.chunks().allIds();
    }
  }

  private CliRun gc(String... extra) {
    List<String> args = new ArrayList<>(List.of("gc", "--dir", dir.toString(), "--workspace", "ws"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static <T> T result(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("INV-1: gc --dir deletes the orphans older than the grace period, undated ones too, and keeps referenced chunks (uploaded or not) and young orphans")
  void gcDeletesOldOrphansOnly() {
    CliRun gc = gc("--grace", "PT1H");

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.OK);
    assertThat(gc.out()).startsWith("gc: workspace 'ws' in " + dir + ": 1 manifests reference 2 chunks; 3 orphan"
            + " chunks: 2 older than the grace period (PT1H) deleted, 1 younger kept")
        .contains("1 of the deleted had no write time (written before Stowage recorded one): they count as older")
        .contains("the 1 younger ones may still get their manifest; gc deletes them once they are older than PT1H");
    assertThat(storedChunks()).containsExactlyInAnyOrder(referenced, uploadedOnly, youngOrphan);
    assertThat(gc("--grace", "PT1H").out()).as("nothing left to delete")
        .contains("1 orphan chunks: 0 older than the grace period (PT1H) deleted, 1 younger kept");
  }

  @Test
  @DisplayName("fsck counts the orphan chunks and names gc, without a finding: exit 0; after gc it counts the young one left")
  void fsckReportsOrphansWithoutAFinding() {
    CliRun before = CliRun.of("fsck", "--dir", dir.toString());

    assertThat(before.exitCode()).as("%s", before).isEqualTo(ExitCodes.OK);
    assertThat(before.out()).contains("workspace ws: 1 manifests, ", "clean")
        .contains("  orphan chunks: 3 chunk(s) no stored manifest references, e.g. ")
        .contains("(not a finding: no file needs them")
        .contains("  next: gc deletes the orphan chunks older than the grace period (stowage.orphan-grace, or --grace):")
        .contains("    bin/stowage gc --dir " + dir + " --workspace ws")
        .contains("fsck: clean");
    assertThat(gc().exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(CliRun.of("fsck", "--dir", dir.toString()).out()).contains("  orphan chunks: 1 chunk(s)")
        .contains(youngOrphan.toString());
  }

  @Test
  @DisplayName("setChunk records the chunk's write time: gc keeps a fresh orphan for the configured grace (stowage.orphan-grace), --grace PT0S deletes it")
  void setChunkRecordsTheWriteTime() throws Exception {
    StorageSettings settings = AppConfig.storageSettings(AppConfig.load(null)).withBaseDir(dir);
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), "ws", key, settings));
    ChunkId written = ChunkId.random();
    result(storage.setChunk(written, ChunkContent.of(written, 100)));
    result(storage.close());

    CliRun configured = gc();
    assertThat(configured.exitCode()).as("%s", configured).isEqualTo(ExitCodes.OK);
    assertThat(configured.out()).contains("older than the grace period (" + Duration.ofHours(1) + ") deleted, 2 younger kept");
    assertThat(storedChunks()).contains(written);

    CliRun none = gc("--grace", "PT0S");
    assertThat(none.out()).contains("2 orphan chunks: 2 older than the grace period (PT0S) deleted, 0 younger kept");
    assertThat(storedChunks()).containsExactlyInAnyOrder(referenced, uploadedOnly);
  }

  @Test
  @DisplayName("INV-12: gc --dir refuses a workspace a running program has open, says so in one line, and deletes nothing")
  void aWorkspaceInUseIsRefused() throws Exception {
    StorageSettings settings = AppConfig.storageSettings(AppConfig.load(null)).withBaseDir(dir);
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), "ws", key, settings));
    CliRun gc;
    try {
      gc = gc("--grace", "PT0S");
    } finally {
      result(storage.close());
    }

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err().lines()).as("%s", gc).hasSize(1).first().asString().startsWith("stowage gc: ")
        .contains("stop it first");
    assertThat(gc.out()).isEmpty();
    assertThat(storedChunks()).contains(oldOrphan, undatedOrphan, youngOrphan);
  }

  @Test
  @DisplayName("gc --dir deletes nothing while a manifest does not read (its chunks are unknown) and says to run fsck --repair")
  void anUnreadableManifestStopsGc() {
    EntryId broken = EntryId.random();
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      data.database().begin();
      data.vlobs().put(broken, 1, false, cipher.seal(broken, "not CBOR".getBytes(StandardCharsets.UTF_8)));
      data.database().commit();
    }

    CliRun gc = gc("--grace", "PT0S");

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err()).contains("1 manifest(s) of workspace ws do not read (manifest " + broken + ")")
        .contains("nothing was deleted; run fsck --repair first");
    assertThat(storedChunks()).contains(oldOrphan, undatedOrphan, youngOrphan);
  }

  @Test
  void anUnknownWorkspaceIsAClearError() {
    CliRun gc = CliRun.of("gc", "--dir", dir.toString(), "--workspace", "nope");

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err()).contains("no workspace 'nope' in " + dir)
        .contains("without --dir, gc works on cluster mode's PostgreSQL");
  }

  @Test
  void aNegativeGraceIsRefused() {
    CliRun gc = CliRun.of("gc", "--dir", dir.toString(), "--workspace", "ws", "--grace", "-PT1H");

    assertThat(gc.exitCode()).as("a wrong command line: %s", gc).isEqualTo(ExitCodes.USAGE);
    assertThat(gc.err()).contains("--grace must not be negative, got PT-1H");
    assertThat(storedChunks()).hasSize(5);
  }
}
