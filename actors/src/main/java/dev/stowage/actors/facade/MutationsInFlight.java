package dev.stowage.actors.facade;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which manifests, chunks and blocks may have a write on its way: the façade counts each write,
 * clear or ensure from the moment it sends it until its stage completes. A read of such an id is
 * not answered from {@link dev.stowage.actors.common.PublishedManifests} or a reader connection but sent the way the write
 * went, behind it, so that a caller who writes and then reads without waiting still reads its own
 * write (the order of its calls is the order the entity, or the writing gateway, sees them in).
 *
 * <p>Counters are striped by id: constant memory, one atomic increment and decrement per
 * mutation. Two ids may share a stripe; a read of the other one then takes the slow path, which
 * is always correct. Only the increment must happen before the send; when the decrement happens
 * changes nothing but which path a later read takes.
 */
final class MutationsInFlight {
  private static final int STRIPES = 4096; // a power of two

  private final AtomicIntegerArray stripes = new AtomicIntegerArray(STRIPES);

  /** A mutation of {@code id} (an EntryId or a ChunkId) is about to be sent. */
  void begin(Object id) {
    stripes.incrementAndGet(stripe(id));
  }

  /** The mutation of {@code id} begun earlier was answered. */
  void end(Object id) {
    stripes.decrementAndGet(stripe(id));
  }

  /** Whether no mutation of {@code id} (or of an id on the same stripe) is on its way. */
  boolean noneFor(Object id) {
    return stripes.get(stripe(id)) == 0;
  }

  /** Whether no mutation of any of {@code ids} is on its way. */
  boolean noneForAny(Iterable<?> ids) {
    for (Object id : ids) {
      if (!noneFor(id)) {
        return false;
      }
    }
    return true;
  }

  private static int stripe(Object id) {
    int h = id.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
