package dev.stowage.protocol;

import java.nio.ByteBuffer;
import java.util.UUID;

/** The 16-byte database form of the UUID-based ids, and strict parsing of their text form. */
final class Uuids {
  private Uuids() {}

  static byte[] toBytes(UUID value) {
    return ByteBuffer.allocate(16)
        .putLong(value.getMostSignificantBits())
        .putLong(value.getLeastSignificantBits())
        .array();
  }

  static UUID fromBytes(byte[] bytes, String what) {
    Require.nonNull(bytes, what);
    if (bytes.length != 16) {
      throw new InvalidRequestException(what + " must be 16 bytes, got " + bytes.length);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong());
  }

  static UUID parse(String text, String what) {
    Require.nonNull(text, what);
    // UUID.fromString accepts short groups such as "1-2-3-4-5"; only the canonical form is an id.
    if (text.length() != 36) {
      throw new InvalidRequestException(what + " is not a UUID: '" + text + "'");
    }
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(what + " is not a UUID: '" + text + "'", e);
    }
  }
}
