package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BlobCipherTest {
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());

  @Test
  void sealedBytesOpenToThePlaintext() {
    EntryId id = EntryId.random();
    byte[] plain = "a manifest".getBytes(StandardCharsets.UTF_8);

    byte[] sealed = cipher.seal(id, plain);

    assertThat(sealed).hasSize(plain.length + BlobCipher.OVERHEAD);
    assertThat(cipher.open(id, sealed)).isEqualTo(plain);
    assertThat(cipher.seal(id, plain)).isNotEqualTo(sealed); // fresh nonce every time
  }

  @Test
  @DisplayName("INV-20: a blob moved to another id, table or key does not decrypt")
  void aBlobIsBoundToItsRow() {
    ChunkId id = ChunkId.random();
    byte[] sealed = cipher.seal(BlobCipher.Kind.CHUNK, id, new byte[] {1, 2, 3});

    assertThatThrownBy(() -> cipher.open(BlobCipher.Kind.CHUNK, ChunkId.random(), sealed))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("moved from another row");
    assertThatThrownBy(() -> cipher.open(BlobCipher.Kind.BLOCK, id, sealed))
        .isInstanceOf(CorruptEntryException.class);
    assertThatThrownBy(() -> new BlobCipher(LocalKey.generate()).open(BlobCipher.Kind.CHUNK, id, sealed))
        .isInstanceOf(CorruptEntryException.class);
  }

  @Test
  @DisplayName("INV-9: a flipped bit or a truncated blob is a CorruptEntryException naming the entry")
  void tamperingIsDetected() {
    EntryId id = EntryId.random();
    byte[] sealed = cipher.seal(id, new byte[100]);
    for (int position : new int[] {0, 5, 20, sealed.length - 1}) {
      byte[] flipped = sealed.clone();
      flipped[position] ^= 0x10;
      assertThatThrownBy(() -> cipher.open(id, flipped))
          .isInstanceOf(CorruptEntryException.class).hasMessageContaining(id.toString());
    }
    assertThatThrownBy(() -> cipher.open(id, new byte[10])).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("too short");
    assertThatThrownBy(() -> cipher.open(id, null)).isInstanceOf(CorruptEntryException.class);
  }

  @Test
  void emptyAndLargePayloadsRoundTrip() {
    ChunkId id = ChunkId.random();
    byte[] large = new byte[4 << 20];
    large[large.length - 1] = 7;

    assertThat(cipher.open(BlobCipher.Kind.BLOCK, id, cipher.seal(BlobCipher.Kind.BLOCK, id, new byte[0]))).isEmpty();
    assertThat(cipher.open(BlobCipher.Kind.CHUNK, id, cipher.seal(BlobCipher.Kind.CHUNK, id, large))).isEqualTo(large);
  }
}
