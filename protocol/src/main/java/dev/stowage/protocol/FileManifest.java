package dev.stowage.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A file: its size, the block size it was cut with, and the chunks that hold its content, in file
 * order. The component order is part of the public contract.
 *
 * <p>Stowage does not compare the chunks with {@code size} or {@code blocksize}: what they mean is
 * the synchronisation layer's.
 *
 * @param id the file's id, the key it is stored under ({@code setManifest(id, m)} requires the same)
 * @param parent the id of the folder or workspace manifest that lists it among its children
 * @param baseVersion the remote version this local copy is based on: 0 for a file never
 *     synchronised. Stored as the entry's base version; the entry is in {@link NeedSync#remote()}
 *     while the remote version that {@code updateRealmCheckpoint} raises differs from it
 * @param needSync whether this local copy has changes not yet uploaded: such an entry is in {@link
 *     NeedSync#local()}
 * @param updated when the file was last changed, as the host records it
 * @param size the file's length in bytes
 * @param blocksize the size in bytes of the blocks the file's content is cut into for
 *     synchronisation (positive); the chunks need not be that size
 * @param chunks the pieces of the content, in file order, each a {@link ChunkRef} to a chunk the
 *     host stored with {@code setChunk}, whose stage completed before this manifest was set (so that
 *     a stored manifest never references a missing chunk)
 */
public record FileManifest(
    EntryId id,
    EntryId parent,
    long baseVersion,
    boolean needSync,
    Instant updated,
    long size,
    int blocksize,
    List<ChunkRef> chunks)
    implements LocalManifest {

  public FileManifest {
    Require.nonNull(id, "file manifest id");
    Require.nonNull(parent, "file manifest parent");
    Require.nonNegative(baseVersion, "file manifest baseVersion");
    Require.nonNull(updated, "file manifest updated");
    Require.nonNegative(size, "file manifest size");
    Require.positive(blocksize, "file manifest blocksize");
    chunks = DefensiveCopies.copyOf(chunks, "file manifest chunks");
  }
}
