package dev.stowage.actors.entity;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.protocol.EntryId;
import java.time.Duration;

/**
 * When a {@link ManifestEntity} has been idle for {@code entity.passivate-after}: no command, and
 * no read served from its published value ({@link PublishedManifests}), since its last activity.
 * It says so once. Confined to its entity.
 */
final class IdleClock {
  private final EntryId id;
  private final PublishedManifests published;
  private final long passivateAfterNanos;
  private long lastActivityNanos = System.nanoTime();
  private boolean reported;

  IdleClock(EntryId id, PublishedManifests published, Duration passivateAfter) {
    this.id = id;
    this.published = published;
    this.passivateAfterNanos = passivateAfter.toNanos();
  }

  /** How often the entity checks: half of {@code passivate-after}, at least a millisecond. */
  static Duration checkInterval(Duration passivateAfter) {
    Duration half = passivateAfter.dividedBy(2);
    return half.isZero() ? Duration.ofMillis(1) : half;
  }

  /** A command arrived. */
  void active() {
    lastActivityNanos = System.nanoTime();
  }

  /** At a check: whether the entity is idle now, the first time only. */
  boolean idleNow() {
    if (published.takeReadMark(id, PublishedManifests.READ_SINCE_IDLE_CHECK)) {
      active(); // reads served from the published value count as activity
    }
    if (!reported && System.nanoTime() - lastActivityNanos >= passivateAfterNanos) {
      reported = true;
      return true;
    }
    return false;
  }
}
