package dev.stowage.actors.entity;

import dev.stowage.actors.events.EntityFlushEvent;
import dev.stowage.actors.events.EntityLoadEvent;
import dev.stowage.protocol.EntryId;
import java.util.ArrayDeque;

/**
 * The JFR events of one entity ({@link EntityLoadEvent}, {@link EntityFlushEvent}): its load, and
 * its flushes from sent to persisted. Costs a check per load and flush unless a recording wants
 * them. Confined to its entity.
 */
final class EntityRecording {
  private final EntryId id;
  private EntityLoadEvent load;
  /** Flushes sent and not yet persisted, oldest first. */
  private final ArrayDeque<EntityFlushEvent> flushes = new ArrayDeque<>(0);

  EntityRecording(EntryId id) {
    this.id = id;
  }

  void loadSent() {
    load = new EntityLoadEvent();
    load.begin();
  }

  /** The load is back: whether the row existed, and whether its value was used (INV-4). */
  void loaded(boolean found, boolean used) {
    EntityLoadEvent event = load;
    load = null;
    if (event != null) {
      event.end();
      if (event.shouldCommit()) {
        event.manifest = id.toString();
        event.found = found;
        event.used = used;
        event.commit();
      }
    }
  }

  /** A flush of {@code version} was sent: {@code sealedBytes} of value (0 for a deletion). */
  void flushSent(long version, int sealedBytes, int removedChunks, boolean deletes) {
    EntityFlushEvent event = new EntityFlushEvent();
    if (event.isEnabled()) {
      event.begin();
      event.manifest = id.toString();
      event.version = version;
      event.sealedBytes = sealedBytes;
      event.removedChunks = removedChunks;
      event.deletes = deletes;
      flushes.add(event);
    }
  }

  /** Every flush up to {@code persisted} is committed. */
  void persisted(long persisted) {
    while (!flushes.isEmpty() && flushes.peek().version <= persisted) {
      EntityFlushEvent event = flushes.poll();
      event.end();
      event.commit();
    }
  }
}
