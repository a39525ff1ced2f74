package dev.stowage.app;

import dev.stowage.protocol.ChunkId;
import java.util.SplittableRandom;

/** The content of a crash-test chunk follows from its id and size, so a verifier can check every byte. */
public final class ChunkContent {
  private ChunkContent() {}

  public static byte[] of(ChunkId id, int size) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(id.value().getMostSignificantBits() ^ id.value().getLeastSignificantBits());
    for (int i = 0; i < size; i += 8) {
      long word = random.nextLong();
      for (int b = 0; b < 8 && i + b < size; b++) {
        bytes[i + b] = (byte) (word >>> (8 * b));
      }
    }
    return bytes;
  }
}
