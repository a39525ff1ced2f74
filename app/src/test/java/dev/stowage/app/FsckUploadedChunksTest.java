package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fsck} and {@code fsck --repair} on files whose chunks were uploaded: such a chunk may be in
 * the chunks (not promoted yet), in the block cache (promoted), or nowhere locally (evicted), and
 * none of these is a finding. Only a chunk not yet uploaded must be stored (INV-1).
 */
class FsckUploadedChunksTest {
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);
  @TempDir Path dir;
  private Path workspace;

  private final EntryId uploadedFile = EntryId.random();
  private final EntryId localFile = EntryId.random();
  private final ChunkId notPromoted = ChunkId.random();
  private final ChunkId promoted = ChunkId.random();
  private final ChunkId evicted = ChunkId.random();
  private final ChunkId notUploadedGone = ChunkId.random();
  private final ChunkId notUploadedKept = ChunkId.random();

  /**
   * {@code uploadedFile}: three uploaded chunks, one still in the chunks, one a block, one nowhere.
   * {@code localFile}: an uploaded chunk gone (fine) and two not uploaded, one of them gone (INV-1
   * broken), uploaded by the server at base version 2.
   */
  @BeforeEach
  void workspace() throws Exception {
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    workspace = dir.resolve("ws");
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(workspace, Durability.NORMAL, cipher, 16)) {
      data.database().begin();
      put(data, uploadedFile, 1, List.of(new ChunkRef(notPromoted, 0, 100).asUploaded(),
          new ChunkRef(promoted, 100, 100).asUploaded(), new ChunkRef(evicted, 200, 100).asUploaded()));
      put(data, localFile, 2, List.of(new ChunkRef(evicted, 0, 100).asUploaded(),
          new ChunkRef(notUploadedGone, 100, 100), new ChunkRef(notUploadedKept, 200, 100)));
      for (ChunkId id : List.of(notPromoted, notUploadedKept)) {
        data.chunks().put(id, 100, cipher.seal(BlobCipher.Kind.CHUNK, id, ChunkContent.of(id, 100)), 0);
      }
      data.database().commit();
      cache.database().begin();
      cache.putBlock(promoted, 100, cipher.seal(BlobCipher.Kind.BLOCK, promoted, ChunkContent.of(promoted, 100)));
      cache.database().commit();
    }
  }

  private void put(DataStore data, EntryId id, long version, List<ChunkRef> refs) {
    FileManifest file = new FileManifest(id, EntryId.random(), version, false, Instant.EPOCH, 300, 4096, refs);
    data.vlobs().put(id, version, false, cipher.seal(id, ManifestCodec.encode(file)));
  }

  private CliRun fsck(String... extra) {
    List<String> args = new ArrayList<>(List.of("fsck", "--dir", dir.toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  @DisplayName("INV-1: fsck finds only the chunk not yet uploaded that is gone, not the uploaded ones kept nowhere locally")
  void onlyAChunkNotUploadedIsDangling() {
    CliRun run = fsck();

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.FINDINGS);
    assertThat(run.out()).contains("  dangling: file " + localFile + " references chunk " + notUploadedGone
            + ", which is not uploaded and not stored")
        .contains("fsck: 1 finding(s)")
        .doesNotContain(evicted.toString()).doesNotContain(promoted.toString()).doesNotContain("orphan");
  }

  @Test
  @DisplayName("INV-1: fsck --repair quarantines the file whose chunk not uploaded is gone, and leaves alone the one whose missing chunks are all uploaded")
  void repairLeavesAFileWhoseMissingChunksAreUploaded() {
    CliRun repair = fsck("--repair");

    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out()).contains("quarantined manifest " + localFile + ": the file references chunk "
            + notUploadedGone + ", which is not uploaded and not stored; marked to fetch again: version 2 is on the server")
        .doesNotContain("quarantined manifest " + uploadedFile)
        .contains("fsck --repair: 1 manifest(s) quarantined (1 to fetch again); clean now");
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      assertThat(data.vlobs().get(uploadedFile)).isPresent();
      assertThat(data.vlobs().get(localFile)).isEmpty();
      assertThat(data.chunks().allIds()).isEqualTo(Set.of(notPromoted, notUploadedKept));
    }
    assertThat(fsck().out()).as("the quarantined file's chunk is an orphan now")
        .contains("  orphan chunks: 1 chunk(s) no stored manifest references, e.g. " + notUploadedKept);
  }
}
