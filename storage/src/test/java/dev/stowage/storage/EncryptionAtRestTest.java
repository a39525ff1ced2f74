package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.ManifestCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptionAtRestTest {
  private static final String MARKER = "PLAINTEXT-MARKER-7f3a9c";

  @TempDir Path dir;
  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);

  @Test
  @DisplayName("INV-20: no plaintext manifest field, chunk or block byte appears in the database files")
  void noPlaintextOnDisk() throws Exception {
    EntryId id = EntryId.random();
    FolderManifest folder = new FolderManifest(id, EntryId.random(), 0, true, Instant.now(),
        Map.of(MARKER + ".txt", EntryId.random()));
    byte[] content = (MARKER + " file content").repeat(100).getBytes(StandardCharsets.UTF_8);
    ChunkId chunk = ChunkId.random();

    LocalDatabase data = TestDatabases.openData(dir);
    LocalDatabase cache = TestDatabases.openCache(dir);
    data.begin();
    new VlobTable(data).put(id, 0, true, cipher.seal(id, ManifestCodec.encode(folder)));
    new ChunkTable(data).put(chunk, content.length, cipher.seal(BlobCipher.Kind.CHUNK, chunk, content), 0);
    data.commit();
    cache.begin();
    new BlockCache(cache, 10).put(chunk, content.length, cipher.seal(BlobCipher.Kind.BLOCK, chunk, content));
    cache.commit();

    // While open (data in the WAL) and after close (checkpointed into the main file).
    assertNoFileContains(MARKER);
    data.close();
    cache.close();
    assertNoFileContains(MARKER);

    LocalDatabase reopened = TestDatabases.openData(dir);
    try {
      byte[] stored = new VlobTable(reopened).get(id).orElseThrow();
      assertThat(ManifestCodec.decode(cipher.open(id, stored))).isEqualTo(folder);
    } finally {
      reopened.close();
    }
  }

  @Test
  @DisplayName("INV-20: a row copied onto another id fails to decrypt")
  void aRowMovedToAnotherIdFailsToDecrypt() {
    EntryId original = EntryId.random();
    EntryId other = EntryId.random();
    LocalDatabase data = TestDatabases.openData(dir);
    try {
      VlobTable vlobs = new VlobTable(data);
      data.begin();
      vlobs.put(original, 0, false, cipher.seal(original, new byte[] {1, 2, 3}));
      vlobs.put(other, 0, false, vlobs.get(original).orElseThrow());
      data.commit();

      assertThat(cipher.open(original, vlobs.get(original).orElseThrow())).containsExactly(1, 2, 3);
      assertThatThrownBy(() -> cipher.open(other, vlobs.get(other).orElseThrow()))
          .isInstanceOf(CorruptEntryException.class)
          .hasMessageContaining(other.toString());
    } finally {
      data.close();
    }
  }

  @Test
  @DisplayName("INV-19: opening with the wrong key is an InvalidRequestException at once, naming the file")
  void theWrongKeyIsRefusedAtOpen() {
    LocalDatabase first = TestDatabases.openData(dir);
    KeyCheck.verifyOrStore(first, cipher);
    first.close();

    LocalDatabase again = TestDatabases.openData(dir);
    try {
      KeyCheck.verifyOrStore(again, cipher);
      assertThatThrownBy(() -> KeyCheck.verifyOrStore(again, new BlobCipher(LocalKey.generate())))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessage("the key does not open " + again.file() + ": it is not the key this workspace was created with")
          .cause()
          .isInstanceOf(CorruptEntryException.class)
          .hasMessage("key check of " + again.file().getFileName() + " does not decrypt: its bytes were changed,"
              + " it was moved from another row, or the key is wrong");
    } finally {
      again.close();
    }
  }

  private void assertNoFileContains(String marker) throws Exception {
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(indexOf(bytes, needle)).as("plaintext marker in %s", file.getFileName()).isEqualTo(-1);
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
