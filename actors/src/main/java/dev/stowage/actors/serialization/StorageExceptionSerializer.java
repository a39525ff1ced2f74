package dev.stowage.actors.serialization;

import dev.stowage.protocol.StorageException;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Carries a {@link StorageException} to another node (an entity's failed reply in cluster mode):
 * its class by name and its message; rebuilt with the {@code (String)} constructor every subclass
 * keeps. The cause stays on the node where it happened (it is logged there).
 */
public final class StorageExceptionSerializer extends SerializerWithStringManifest {
  /** Unique among the serializers of an ActorSystem (Pekko's own stay below 100). */
  public static final int IDENTIFIER = 7_301;

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return o.getClass().getName();
  }

  @Override
  public byte[] toBinary(Object o) {
    String message = ((StorageException) o).getMessage();
    return (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return StorageException.rebuilt(manifest, new String(bytes, StandardCharsets.UTF_8));
    } catch (ReflectiveOperationException e) {
      throw new NotSerializableException("cannot rebuild " + manifest + ": " + e);
    }
  }
}
