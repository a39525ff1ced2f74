package dev.stowage.actors.entity;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;

/**
 * What a {@link ManifestEntity} last told its host about its dirty state (INV-5): it tells again
 * only when that changes, dirty or clean, its need-sync, or whether it is a deletion.
 */
final class EntityDirtyReport {
  private final EntryId id;
  private final EntityHost host;
  private boolean dirty;
  private boolean needSync;
  private boolean deleted;

  EntityDirtyReport(EntryId id, EntityHost host) {
    this.id = id;
    this.host = host;
  }

  /** The entry is {@code dirtyNow} with {@code value} cached ({@code null}: deleted): tell the host if that is news. */
  void update(boolean dirtyNow, LocalManifest value) {
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
