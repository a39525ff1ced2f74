package dev.stowage.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A file: its size, the block size it was cut with, and the chunks that hold its content, in file
 * order. The component order is part of the public contract.
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
    chunks = Collections2.copyOf(chunks, "file manifest chunks");
  }
}
