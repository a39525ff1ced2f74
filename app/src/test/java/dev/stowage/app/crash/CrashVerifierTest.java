package dev.stowage.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.ChunkContent;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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

  @Test
  void aChunkThatDoesNotReadBackIsFound() throws Exception {
    store(1, List.of(ChunkId.random(), ChunkId.random()), true, true);

    CrashVerifier.Report report = verify("");

    assertThat(report.undecryptable()).isEqualTo(1);
    assertThat(report.clean()).isFalse();
  }

  @Test
  void anIncompleteLastLineIsIgnored() throws Exception {
    store(3, List.of(), true, false);

    assertThat(verify("M " + file + " 3\nM " + file + " 9").clean()).isTrue();
  }
}
