package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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

  @Test
  void everyRouteThroughTheProviderSealsTheSameFormat() throws Exception {
    LocalKey key = LocalKey.generate();
    BlobCipher blobs = new BlobCipher(key);
    ChunkId id = ChunkId.random();
    for (int size : new int[] {BlobCipher.DIRECT_ABOVE, BlobCipher.DIRECT_ABOVE + 1, 512 << 10,
        BlobCipher.DIRECT_AT_MOST + 1}) {
      byte[] plain = new byte[size];
      new Random(size).nextBytes(plain);

      byte[] sealed = blobs.seal(BlobCipher.Kind.BLOCK, id, plain);
      assertThat(openWithPlainJca(key, id, sealed)).as("%d bytes sealed, opened by the byte-array route", size)
          .isEqualTo(plain);
      assertThat(blobs.open(BlobCipher.Kind.BLOCK, id, sealWithPlainJca(key, id, plain)))
          .as("%d bytes sealed by the byte-array route, opened", size).isEqualTo(plain);

      byte[] flipped = sealed.clone();
      flipped[flipped.length / 2] ^= 1;
      assertThatThrownBy(() -> blobs.open(BlobCipher.Kind.BLOCK, id, flipped))
          .isInstanceOf(CorruptEntryException.class).hasMessageContaining(id.toString());
    }
  }

  /** The sealed form written by every earlier version: one doFinal over byte arrays. */
  private static byte[] sealWithPlainJca(LocalKey key, ChunkId id, byte[] plain) throws Exception {
    byte[] out = new byte[BlobCipher.OVERHEAD + plain.length];
    byte[] nonce = new byte[12];
    new SecureRandom().nextBytes(nonce);
    out[0] = 1;
    System.arraycopy(nonce, 0, out, 1, nonce.length);
    Cipher c = jca(key, Cipher.ENCRYPT_MODE, out);
    c.updateAAD(aad(id));
    c.doFinal(plain, 0, plain.length, out, 13);
    return out;
  }

  private static byte[] openWithPlainJca(LocalKey key, ChunkId id, byte[] sealed) throws Exception {
    Cipher c = jca(key, Cipher.DECRYPT_MODE, sealed);
    c.updateAAD(aad(id));
    return c.doFinal(sealed, 13, sealed.length - 13);
  }

  private static Cipher jca(LocalKey key, int mode, byte[] header) throws Exception {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key.bytes(), "AES"), new GCMParameterSpec(128, header, 1, 12));
    return c;
  }

  private static byte[] aad(ChunkId id) {
    byte[] aad = new byte[17];
    aad[0] = 3; // Kind.BLOCK
    System.arraycopy(id.toBytes(), 0, aad, 1, 16);
    return aad;
  }
}
