package dev.stowage.actors.facade;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Which manifests, chunks and blocks may have a write on its way: the façade counts each write,
 * clear or ensure from the moment it sends it until its stage completes. A read of such an id is
 * not answered from {@link dev.stowage.actors.common.PublishedManifests} or a reader connection but sent the way the write
 * went, behind it, so that a caller who writes and then reads without waiting still reads its own
 * write (the order of its calls is the order the entity, or the writing gateway, sees them in).
 *
 * <p>Counted in {@link StripedCounters}: a read of an id that shares a stripe with a write takes
 * the slow path, which is always correct. Only the increment must happen before the send; when the
 * decrement happens changes nothing but which path a later read takes.
 */
final class MutationsInFlight {
  private final StripedCounters inFlight = new StripedCounters();

  /**
   * Sends a mutation of {@code id} (an EntryId or a ChunkId) with {@code send}, counted from now
   * until its stage completes; a null id is refused before anything is sent, and not counted.
   */
  <T> CompletionStage<T> around(Object id, Supplier<CompletionStage<T>> send) {
    if (id == null) {
      return send.get();
    }
    inFlight.increment(id);
    return send.get().whenComplete((value, error) -> inFlight.decrement(id));
  }

  /** Whether no mutation of {@code id} (or of an id on the same stripe) is on its way. */
  boolean noneFor(Object id) {
    return inFlight.isZero(id);
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
}
