package dev.stowage.storage;

/**
 * Strictly increasing access times for the block LRU, in seconds since the epoch (the {@code
 * accessed_on REAL} column). Steps of one microsecond stay distinct in a double at today's epoch
 * (its resolution there is about a quarter of a microsecond). Not thread-safe: one per database.
 */
final class LruClock {
  private static final double STEP = 1e-6;
  private double last;

  double next() {
    double now = System.currentTimeMillis() / 1000.0;
    last = Math.max(now, last + STEP);
    return last;
  }
}
