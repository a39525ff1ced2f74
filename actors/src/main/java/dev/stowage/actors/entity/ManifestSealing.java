package dev.stowage.actors.entity;

import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;

/**
 * How one entry's manifest is stored: encoded ({@link ManifestCodec}), then sealed with the entry
 * id as associated data, so that a row moved to another id fails to open (INV-20). Runs on the
 * entity's thread, never on a gateway's.
 */
final class ManifestSealing {
  private final EntryId id;
  private final BlobCipher cipher;

  ManifestSealing(EntryId id, BlobCipher cipher) {
    this.id = id;
    this.cipher = cipher;
  }

  byte[] seal(LocalManifest value) {
    return cipher.seal(id, ManifestCodec.encode(value));
  }

  /** @throws CorruptEntryException if it does not open, does not decode, or holds another entry's manifest */
  LocalManifest open(byte[] sealed) {
    LocalManifest manifest;
    try {
      manifest = ManifestCodec.decode(cipher.open(id, sealed));
    } catch (CorruptEntryException e) {
      throw new CorruptEntryException("manifest " + id + " is corrupt: " + e.getMessage(), e);
    }
    if (!manifest.id().equals(id)) {
      throw new CorruptEntryException("manifest " + id + " is corrupt: it holds the manifest of " + manifest.id());
    }
    return manifest;
  }
}
