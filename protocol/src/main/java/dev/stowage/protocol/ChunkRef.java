package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonFormat;

/**
 * A piece of a file: the chunk holding it, where it starts in the file, and how many bytes it has.
 * Encoded as a three-element array, so a file of thousands of chunks stays small.
 *
 * @param id the chunk that holds the piece, stored with {@code setChunk(id, bytes)}
 * @param offset where the piece starts in the file, in bytes (at least 0)
 * @param size how many bytes the piece has (at least 0)
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
public record ChunkRef(ChunkId id, long offset, int size) {

  public ChunkRef {
    Require.nonNull(id, "chunk ref id");
    Require.nonNegative(offset, "chunk ref offset");
    Require.nonNegative(size, "chunk ref size");
  }
}
