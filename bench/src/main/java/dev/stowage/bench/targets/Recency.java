package dev.stowage.bench.targets;

/**
 * Strictly increasing access times for a block LRU ({@code accessed_on}, seconds since the epoch),
 * as Stowage's storage layer keeps them. Not thread-safe: one per cache database, used under its lock.
 */
final class Recency {
  private static final double STEP = 1e-6;
  private double last;

  double next() {
    last = Math.max(System.currentTimeMillis() / 1000.0, last + STEP);
    return last;
  }
}
