package dev.stowage.actors;

import dev.stowage.protocol.EntryId;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which manifests may have a write, clear or ensure on its way to their entity: the façade counts
 * each one from the moment it sends it until its stage completes. A read of such a manifest is not
 * answered from {@link PublishedManifests} but sent the way the write went, behind it, so that a
 * caller who writes and then reads without waiting still reads its own write (the order of its
 * calls is the order its entity sees them in).
 *
 * <p>Counters are striped by id: constant memory, one atomic increment and decrement per
 * mutation. Two ids may share a stripe; a read of the other one then takes the slow path, which
 * is always correct. Only the increment must happen before the send; when the decrement happens
 * changes nothing but which path a later read takes.
 */
final class MutationsInFlight {
  private static final int STRIPES = 4096; // a power of two

  private final AtomicIntegerArray stripes = new AtomicIntegerArray(STRIPES);

  /** A mutation of {@code id} is about to be sent. */
  void begin(EntryId id) {
    stripes.incrementAndGet(stripe(id));
  }

  /** The mutation of {@code id} begun earlier was answered. */
  void end(EntryId id) {
    stripes.decrementAndGet(stripe(id));
  }

  /** Whether no mutation of {@code id} (or of an id on the same stripe) is on its way. */
  boolean noneFor(EntryId id) {
    return stripes.get(stripe(id)) == 0;
  }

  private static int stripe(EntryId id) {
    int h = id.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
