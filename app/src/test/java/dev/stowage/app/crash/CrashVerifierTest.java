package dev.stowage.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.ChunkContent;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crash verifier finds each kind of damage it is meant to find. */
class CrashVerifierTest {
  @TempDir Path dir;
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());
  private final EntryId file = EntryId.random();

  private void store(long version, List<ChunkId> chunks, boolean storeChunks, boolean corruptFirstChunk) {
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 16)) {
      data.database().begin();
      List<ChunkRef> refs = chunks.stream().map(id -> new ChunkRef(id, 0, 100)).toList();
      FileManifest manifest = new FileManifest(file, EntryId.random(), version, true, Instant.EPOCH, 100, 4096, refs);
      data.vlobs().put(file, version, true, cipher.seal(file, ManifestCodec.encode(manifest)));
      if (storeChunks) {
        for (ChunkId id : chunks) {
          byte[] sealed = cipher.seal(BlobCipher.Kind.CHUNK, id, ChunkContent.of(id, 100));
          if (corruptFirstChunk && id.equals(chunks.get(0))) {
            sealed[sealed.length / 2] ^= 1;
          }
          data.chunks().put(id, 100, sealed, 0);
        }
      }
      data.database().commit();
      cache.database().begin();
      ChunkId block = ChunkId.random();
      cache.putBlock(block, 4096, cipher.seal(BlobCipher.Kind.BLOCK, block, ChunkContent.of(block, 4096)));
      cache.database().commit();
    }
  }

  private CrashVerifier.Report verify(String acks) throws Exception {
    Path log = Files.writeString(dir.resolve("acks.log"), acks);
    return CrashVerifier.verify(dir, cipher, log, 16);
  }

  @Test
  void aCleanWorkspaceIsClean() throws Exception {
    store(3, List.of(ChunkId.random(), ChunkId.random()), true, false);

    CrashVerifier.Report report = verify("M " + file + " 3\nM " + file + " 2\nC x 1\n");

    assertThat(report.clean()).as("%s", report.problems()).isTrue();
    assertThat(report.acknowledged()).isEqualTo(3);
  }

  @Test
  void anAcknowledgedVersionNotStoredIsLost() throws Exception {
    store(3, List.of(), true, false);

    CrashVerifier.Report report = verify("M " + file + " 4\nM " + EntryId.random() + " 1\n");

    assertThat(report.lost()).isEqualTo(2);
    assertThat(report.problems()).anyMatch(problem -> problem.contains("acknowledged version 4, stored version 3"));
  }

  @Test
  @DisplayName("INV-8: after a power cut at normal durability, a write acknowledged after the WAL's last sync may be lost, one before it may not")
  void aLossIsAllowedOnlyAfterTheBound() throws Exception {
    store(3, List.of(), true, false);
    Path log = Files.writeString(dir.resolve("acks.log"), "M " + file + " 4 2000\nM " + file + " 5 3000\n");

    CrashVerifier.Report afterTheSync = CrashVerifier.verify(dir, cipher, log, 16, 1500);
    CrashVerifier.Report straddling = CrashVerifier.verify(dir, cipher, log, 16, 2500);

    assertThat(afterTheSync.lost()).isEqualTo(2);
    assertThat(afterTheSync.unsynced()).isEqualTo(2);
    assertThat(afterTheSync.lostPromised()).isZero();
    assertThat(afterTheSync.clean()).as("%s", afterTheSync.problems()).isTrue();
    assertThat(straddling.lostPromised()).isEqualTo(1);
    assertThat(straddling.clean()).isFalse();
    assertThat(straddling.problems()).singleElement().asString()
        .contains("acknowledged version 4, stored version 3", "before the last sync of the WAL");
  }

  @Test
  void aReferenceToAMissingChunkIsDangling() throws Exception {
    store(1, List.of(ChunkId.random(), ChunkId.random()), false, false);

    assertThat(verify("").dangling()).isEqualTo(2);
  }

  /** Version 1 of the file, referencing {@code chunk} as uploaded and not in the chunks; {@code block} in the cache. */
  private void storeUploaded(ChunkId chunk, ChunkId block) {
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 16)) {
      data.database().begin();
      FileManifest manifest = new FileManifest(file, EntryId.random(), 1, true, Instant.EPOCH, 100, 4096,
          List.of(new ChunkRef(chunk, 0, 100).asUploaded()));
      data.vlobs().put(file, 1, true, cipher.seal(file, ManifestCodec.encode(manifest)));
      data.database().commit();
      cache.database().begin();
      cache.putBlock(block, 4096, cipher.seal(BlobCipher.Kind.BLOCK, block, ChunkContent.of(block, 4096)));
      cache.database().commit();
    }
  }

  @Test
  @DisplayName("SPEC 6b: a promoted chunk in neither the chunks nor the blocks, while a block acknowledged before its promotion is still cached, was promoted to nowhere: dangling")
  void aChunkPromotedToNowhereIsFound() throws Exception {
    ChunkId chunk = ChunkId.random();
    ChunkId block = ChunkId.random();
    storeUploaded(chunk, block);

    CrashVerifier.Report report = verify("M " + file + " 1 1\nB " + block + " 2\nR " + chunk + " 3\nU " + chunk + " 4\n");

    assertThat(report.clean()).isFalse();
    assertThat(report.dangling()).isEqualTo(1);
    assertThat(report.promoted()).isEqualTo(1);
    assertThat(report.problems()).singleElement().asString()
        .contains("file " + file + " references uploaded chunk " + chunk
            + ", which is neither in the chunks nor in the block cache: promoted to nowhere");
  }

  @Test
  @DisplayName("SPEC 6b: an uploaded chunk in neither place that the LRU may have evicted (every block still cached came after its promotion) is no problem")
  void aPromotedChunkTheLruMayHaveEvictedIsFine() throws Exception {
    ChunkId chunk = ChunkId.random();
    ChunkId block = ChunkId.random();
    storeUploaded(chunk, block);

    CrashVerifier.Report report = verify("M " + file + " 1 1\nR " + chunk + " 2\nU " + chunk + " 3\nB " + block + " 4\n");

    assertThat(report.clean()).as("%s", report.problems()).isTrue();
    assertThat(report.dangling()).isZero();
  }

  @Test
  @DisplayName("SPEC 6b: an uploaded chunk in neither place whose promotion was never requested is dangling; after a power cut at normal durability it may be (the cache's last commits may be lost)")
  void anUploadedChunkNeverPromotedMustBeInTheChunks() throws Exception {
    ChunkId chunk = ChunkId.random();
    ChunkId block = ChunkId.random();
    storeUploaded(chunk, block);
    Path log = Files.writeString(dir.resolve("acks.log"), "B " + block + " 1\nM " + file + " 1 2\n");

    CrashVerifier.Report killed = CrashVerifier.verify(dir, cipher, log, 16);
    CrashVerifier.Report powerCutAtNormal = CrashVerifier.verify(dir, cipher, log, 16, 1);

    assertThat(killed.dangling()).isEqualTo(1);
    assertThat(killed.problems()).singleElement().asString().endsWith("and its promotion was never requested");
    assertThat(powerCutAtNormal.clean()).as("%s", powerCutAtNormal.problems()).isTrue();
  }

  @Test
  void aChunkThatDoesNotReadBackIsFound() throws Exception {
    store(1, List.of(ChunkId.random(), ChunkId.random()), true, true);

    CrashVerifier.Report report = verify("");

    assertThat(report.undecryptable()).isEqualTo(1);
    assertThat(report.clean()).isFalse();
  }

  /** Stores tree entries as the tree writer writes them, each with its counter and the transaction that wrote it. */
  private void storeTree(LocalManifest... values) {
    store(1, List.of(), true, false);
    try (DataStore data = DataStore.open(dir, Durability.NORMAL, cipher)) {
      data.database().begin();
      for (LocalManifest value : values) {
        data.vlobs().put(value.id(), value.baseVersion(), true, cipher.seal(value.id(), ManifestCodec.encode(value)));
      }
      data.database().commit();
    }
  }

  private static FolderManifest folder(EntryId id, long counter, long tx, Map<String, EntryId> children) {
    return new FolderManifest(id, CrashTreeWriter.TREE_ROOT, counter, true, TreeCheck.stamp(tx), children);
  }

  private static FileManifest treeFile(EntryId id, EntryId parent, long counter, long tx) {
    return new FileManifest(id, parent, counter, true, TreeCheck.stamp(tx), 0, 4096, List.of());
  }

  @Test
  @DisplayName("SPEC 6b: a move stored whole passes; one whose source folder was not stored is torn, and its file is in two folders")
  void aTornMoveIsFound() throws Exception {
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    EntryId f = EntryId.random();
    // each line ends with the time of its acknowledgement, as the writer's log does
    String created = "P 1 " + a + "=1 10\nT 1 11\nP 2 " + b + "=1 12\nT 2 13\nP 3 " + a + "=2 " + f + "=1 14\nT 3 15\n";
    String moved = "P 4 " + a + "=3 " + b + "=2 " + f + "=2 16\n";
    storeTree(folder(a, 3, 4, Map.of()), folder(b, 2, 4, Map.of("f", f)), treeFile(f, b, 2, 4));
    CrashVerifier.Report whole = verify(created + moved);
    assertThat(whole.clean()).as("%s", whole.problems()).isTrue();
    assertThat(whole.transactions()).isEqualTo(3);

    storeTree(folder(a, 2, 3, Map.of("f", f)), folder(b, 2, 4, Map.of("f", f)), treeFile(f, b, 2, 4));
    CrashVerifier.Report torn = verify(created + moved);
    assertThat(torn.clean()).isFalse();
    assertThat(torn.torn()).isPositive();
    assertThat(torn.problems()).anyMatch(problem -> problem.contains("transaction 4 is torn: "))
        .anyMatch(problem -> problem.contains("is listed in two folders"));
  }

  @Test
  @DisplayName("SPEC 6b: an acknowledged tree transaction not stored is lost; one sent and not acknowledged may be absent")
  void anAcknowledgedTransactionNotStoredIsLost() throws Exception {
    EntryId a = EntryId.random();
    EntryId f = EntryId.random();
    storeTree(folder(a, 1, 1, Map.of()));
    String log = "P 1 " + a + "=1 10\nT 1 11\nP 2 " + a + "=2 " + f + "=1 12\n";
    assertThat(verify(log).clean()).as("the unacknowledged create is absent, whole").isTrue();

    CrashVerifier.Report lost = verify(log + "T 2 13\n");
    assertThat(lost.lost()).isEqualTo(1);
    assertThat(lost.problems()).anyMatch(problem -> problem.contains("acknowledged transaction 2 is not stored"));
  }

  @Test
  void anIncompleteLastLineIsIgnored() throws Exception {
    store(3, List.of(), true, false);

    assertThat(verify("M " + file + " 3\nM " + file + " 9").clean()).isTrue();
  }
}
