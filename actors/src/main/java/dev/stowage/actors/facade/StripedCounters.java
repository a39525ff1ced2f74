package dev.stowage.actors.facade;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A count per id, in constant memory: the ids are spread over 4,096 atomic counters by their hash,
 * so two ids may share one. What is asked of it must stay right when they do: "is nothing counted
 * for this id?" may answer no for an id that has nothing of its own, which only sends a call the
 * slow way, which is always correct. One atomic increment or decrement per count.
 */
final class StripedCounters {
  private static final int STRIPES = 4096; // a power of two

  private final AtomicIntegerArray stripes = new AtomicIntegerArray(STRIPES);

  void increment(Object id) {
    stripes.incrementAndGet(stripe(id));
  }

  void decrement(Object id) {
    stripes.decrementAndGet(stripe(id));
  }

  /** Whether nothing is counted for {@code id} (nor for an id on its stripe). */
  boolean isZero(Object id) {
    return stripes.get(stripe(id)) == 0;
  }

  private static int stripe(Object id) {
    int h = id.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
