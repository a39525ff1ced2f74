package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.Require;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption of everything Stowage stores for the user (INV-20).
 *
 * <p>Sealed form: {@code [1 byte format = 1][12-byte random nonce][ciphertext][16-byte tag]}. The
 * associated data binds a blob to the row it was written for: a kind byte (manifest, chunk, block,
 * key check) and the row's 16-byte id. A blob copied to another row, another table or another
 * workspace key fails authentication and surfaces as {@link CorruptEntryException} naming the row.
 *
 * <p>Random 96-bit nonces stay within NIST SP 800-38D's limit of 2^32 messages per key far beyond
 * any realistic lifetime of one local workspace.
 *
 * <p><b>Large payloads.</b> Blocks (512 KiB by default) and large chunks are sealed and opened
 * through direct {@link ByteBuffer}s, not byte arrays. On JDK 17 the byte-array path of the
 * platform's AES-GCM falls off a cliff above 64 KiB once the JIT has been trained on small
 * messages, as Stowage's manifests train it: measured here, sealing and opening one 512 KiB block
 * took 13–21 ms that way against about 1 ms through direct buffers, whose code path uses the
 * CPU's AES and carry-less multiply instructions on every size (docs/benchmarks.md, "Block
 * writes"). The output is the same bytes either way: only the route through the provider differs.
 *
 * <p>Thread-safe: each thread uses its own {@link Cipher}, {@link SecureRandom} and direct
 * buffers. Callers seal and open off the database thread (in an entity or on the dispatcher),
 * never on it.
 */
public final class BlobCipher {
  private static final byte FORMAT = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int HEADER_BYTES = 1 + NONCE_BYTES;
  /** Bytes a sealed blob has beyond its plaintext. */
  public static final int OVERHEAD = HEADER_BYTES + TAG_BITS / 8;

  /** Payloads above this go through direct buffers (see "Large payloads"). */
  static final int DIRECT_ABOVE = 32 << 10;
  /** Payloads above this go through byte arrays again, so no thread keeps a huge buffer alive. */
  static final int DIRECT_AT_MOST = 16 << 20;

  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(BlobCipher::newCipher);
  private static final ThreadLocal<SecureRandom> RANDOMS = ThreadLocal.withInitial(SecureRandom::new);
  private static final ThreadLocal<DirectBuffers> BUFFERS = ThreadLocal.withInitial(DirectBuffers::new);

  private final SecretKeySpec key;

  public BlobCipher(LocalKey key) {
    this.key = new SecretKeySpec(Require.nonNull(key, "key").bytes(), "AES");
  }

  /** What a sealed blob is bound to. */
  public enum Kind {
    MANIFEST(1, "manifest"),
    CHUNK(2, "chunk"),
    BLOCK(3, "block"),
    KEY_CHECK(4, "key check");

    private final byte tag;
    private final String label;

    Kind(int tag, String label) {
      this.tag = (byte) tag;
      this.label = label;
    }
  }

  public byte[] seal(EntryId id, byte[] plaintext) {
    return seal(Kind.MANIFEST, id.toBytes(), plaintext);
  }

  public byte[] open(EntryId id, byte[] sealed) {
    return open(Kind.MANIFEST, id.toBytes(), sealed, id.toString());
  }

  public byte[] seal(Kind kind, ChunkId id, byte[] plaintext) {
    return seal(kind, id.toBytes(), plaintext);
  }

  public byte[] open(Kind kind, ChunkId id, byte[] sealed) {
    return open(kind, id.toBytes(), sealed, id.toString());
  }

  byte[] seal(Kind kind, byte[] rowId, byte[] plaintext) {
    Require.nonNull(plaintext, "plaintext");
    byte[] out = new byte[OVERHEAD + plaintext.length];
    out[0] = FORMAT;
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOMS.get().nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, out, 1, NONCE_BYTES));
      cipher.updateAAD(associatedData(kind, rowId));
      if (usesDirectBuffers(plaintext.length)) {
        BUFFERS.get().run(cipher, plaintext, 0, plaintext.length, out, HEADER_BYTES);
      } else {
        cipher.doFinal(plaintext, 0, plaintext.length, out, HEADER_BYTES);
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  byte[] open(Kind kind, byte[] rowId, byte[] sealed, String rowName) {
    if (sealed == null || sealed.length < OVERHEAD) {
      throw new CorruptEntryException(
          kind.label + " " + rowName + " is corrupt: its stored blob is too short to be encrypted data");
    }
    if (sealed[0] != FORMAT) {
      throw new CorruptEntryException(
          kind.label + " " + rowName + " is corrupt: unknown encryption format " + sealed[0]);
    }
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
      cipher.updateAAD(associatedData(kind, rowId));
      int length = sealed.length - HEADER_BYTES;
      if (usesDirectBuffers(length)) {
        byte[] plain = new byte[length - TAG_BITS / 8];
        BUFFERS.get().run(cipher, sealed, HEADER_BYTES, length, plain, 0);
        return plain;
      }
      return cipher.doFinal(sealed, HEADER_BYTES, length);
    } catch (AEADBadTagException e) {
      throw new CorruptEntryException(
          kind.label + " " + rowName
              + " does not decrypt: its bytes were changed, it was moved from another row, or the key is wrong",
          e);
    } catch (GeneralSecurityException e) {
      throw new CorruptEntryException(kind.label + " " + rowName + " does not decrypt: " + e, e);
    }
  }

  private static boolean usesDirectBuffers(int length) {
    return length > DIRECT_ABOVE && length <= DIRECT_AT_MOST;
  }

  /** One thread's pair of direct buffers, grown to the largest payload it has handled. */
  private static final class DirectBuffers {
    private ByteBuffer in = ByteBuffer.allocateDirect(0);
    private ByteBuffer out = ByteBuffer.allocateDirect(0);

    /** Runs {@code cipher.doFinal} over {@code input[offset, offset + length)} into {@code output[at...]}. */
    void run(Cipher cipher, byte[] input, int offset, int length, byte[] output, int at)
        throws GeneralSecurityException {
      int outLength = cipher.getOutputSize(length);
      if (in.capacity() < length) {
        in = ByteBuffer.allocateDirect(length);
      }
      if (out.capacity() < outLength) {
        out = ByteBuffer.allocateDirect(outLength);
      }
      in.clear();
      in.put(input, offset, length).flip();
      out.clear();
      cipher.doFinal(in, out);
      out.flip().get(output, at, out.remaining());
    }
  }

  private static byte[] associatedData(Kind kind, byte[] rowId) {
    byte[] aad = new byte[1 + rowId.length];
    aad[0] = kind.tag;
    System.arraycopy(rowId, 0, aad, 1, rowId.length);
    return aad;
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has AES/GCM/NoPadding", e);
    }
  }
}
