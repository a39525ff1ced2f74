package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;

/**
 * What the baselines do to every value before SQL and after it, with the project's own code:
 * CBOR through {@link ManifestCodec}, AES-256-GCM through {@link BlobCipher}, bound to the row id.
 * The same work Stowage does per operation, so the comparison is fair. Thread-safe.
 */
final class Sealer {
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());

  byte[] sealManifest(EntryId id, LocalManifest manifest) {
    return cipher.seal(id, ManifestCodec.encode(manifest));
  }

  LocalManifest openManifest(EntryId id, byte[] sealed) {
    return ManifestCodec.decode(cipher.open(id, sealed));
  }

  byte[] sealChunk(ChunkId id, byte[] data) {
    return cipher.seal(BlobCipher.Kind.CHUNK, id, data);
  }

  byte[] sealBlock(ChunkId id, byte[] data) {
    return cipher.seal(BlobCipher.Kind.BLOCK, id, data);
  }

  byte[] openBlock(ChunkId id, byte[] sealed) {
    return cipher.open(BlobCipher.Kind.BLOCK, id, sealed);
  }
}
