package dev.stowage.actors.entity;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;

/**
 * What a {@link ManifestEntity} tells its host about its dirty state (INV-5), and what it last
 * told: it tells again only when that changes, dirty or clean, its need-sync, or whether it is a
 * deletion. Dirty means changed and not yet settled: not yet sent, or (with a backend that does not
 * order later reads after flushes, {@link ManifestBackend#ordersLaterReadsAfterFlushes()}) not yet
 * persisted. Once the entity discards what it holds and stops, it tells nothing more.
 */
final class EntityDirtyReport {
  private final EntryId id;
  private final EntityHost host;
  /**
   * Whether a sent flush is as good as stored for what the host asks the database next (the
   * backend runs later reads after it): then only unsent changes make the entry dirty, and a
   * durable write is never reported at all.
   */
  private final boolean sentIsSettled;
  private boolean silenced;
  private boolean dirty;
  private boolean needSync;
  private boolean deleted;

  EntityDirtyReport(EntryId id, EntityHost host, boolean sentIsSettled) {
    this.id = id;
    this.host = host;
    this.sentIsSettled = sentIsSettled;
  }

  /** Tells the host what {@code state} is now, if that is news. */
  void update(EntryState state) {
    if (!silenced) {
      update(state.dirty(sentIsSettled), state.value());
    }
  }

  /** A flush of {@code state} was persisted. */
  void flushed(EntryState state) {
    if (!sentIsSettled && state.dirty(false)) {
      forget(); // still dirty after a flush: tell the host again, it may flush it again
    }
    update(state);
  }

  /** The entity dropped what it held and stops: nothing more to tell. */
  void silence() {
    silenced = true;
    forget();
  }

  /** The entry is {@code dirtyNow} with {@code value} cached ({@code null}: deleted): tell the host if that is news. */
  private void update(boolean dirtyNow, LocalManifest value) {
    if (!dirtyNow) {
      if (dirty) {
        dirty = false;
        host.report(new EntityHost.Clean(id));
      }
      return;
    }
    boolean needSyncNow = value != null && value.needSync();
    boolean deletedNow = value == null;
    if (!dirty || needSyncNow != needSync || deletedNow != deleted) {
      dirty = true;
      needSync = needSyncNow;
      deleted = deletedNow;
      host.report(new EntityHost.Dirty(id, needSyncNow, deletedNow));
    }
  }

  /** The host forgot this entry's dirty state (it asked to drop it, or may flush it again): the next dirty is news. */
  void forget() {
    dirty = false;
  }
}
