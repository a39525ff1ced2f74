package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.UUID;

/**
 * The id of a chunk or a block. Encoded as its 16 bytes in CBOR and SQLite.
 *
 * @param value the UUID it is
 */
public record ChunkId(@JsonValue UUID value) implements Comparable<ChunkId> {

  public ChunkId {
    Require.nonNull(value, "chunk id");
  }

  /** The id of {@code value}; also how Jackson reads an id back from its UUID. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ChunkId of(UUID value) {
    return new ChunkId(value);
  }

  public static ChunkId random() {
    return new ChunkId(UUID.randomUUID());
  }

  /** Parses the canonical text form; anything else is an {@link InvalidRequestException}. */
  public static ChunkId parse(String text) {
    return new ChunkId(Uuids.parse(text, "chunk id"));
  }

  /** Same as {@link #parse}; the name Jackson looks for to read an id used as a map key. */
  public static ChunkId valueOf(String text) {
    return parse(text);
  }

  public static ChunkId fromBytes(byte[] bytes) {
    return new ChunkId(Uuids.fromBytes(bytes, "chunk id"));
  }

  public byte[] toBytes() {
    return Uuids.toBytes(value);
  }

  @Override
  public int compareTo(ChunkId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
