package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.UUID;

/**
 * The id of a manifest (file, folder or workspace). Encoded as its 16 bytes in CBOR and SQLite.
 *
 * @param value the UUID it is
 */
public record EntryId(@JsonValue UUID value) implements Comparable<EntryId> {

  public EntryId {
    Require.nonNull(value, "entry id");
  }

  /** The id of {@code value}; also how Jackson reads an id back from its UUID. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static EntryId of(UUID value) {
    return new EntryId(value);
  }

  public static EntryId random() {
    return new EntryId(UUID.randomUUID());
  }

  /** Parses the canonical text form; anything else is an {@link InvalidRequestException}. */
  public static EntryId parse(String text) {
    return new EntryId(Uuids.parse(text, "entry id"));
  }

  /** Same as {@link #parse}; the name Jackson looks for to read an id used as a map key. */
  public static EntryId valueOf(String text) {
    return parse(text);
  }

  public static EntryId fromBytes(byte[] bytes) {
    return new EntryId(Uuids.fromBytes(bytes, "entry id"));
  }

  public byte[] toBytes() {
    return Uuids.toBytes(value);
  }

  /**
   * The order of the 16-byte form ({@link #toBytes()}) compared as unsigned bytes: SQLite's order
   * of the stored ids, and the order of the text form ({@code UUID.compareTo} compares signed).
   * {@code listManifests} pages in it, and tree transactions hold entries in it.
   */
  @Override
  public int compareTo(EntryId other) {
    int high = Long.compareUnsigned(value.getMostSignificantBits(), other.value.getMostSignificantBits());
    return high != 0 ? high
        : Long.compareUnsigned(value.getLeastSignificantBits(), other.value.getLeastSignificantBits());
  }

  @Override
  public String toString() {
    return value.toString();
  }
}
