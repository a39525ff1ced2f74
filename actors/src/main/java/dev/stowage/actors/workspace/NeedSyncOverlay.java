package dev.stowage.actors.workspace;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.NeedSync;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The dirty entries' view of need-sync, laid over the stored rows (INV-5: the cache is
 * authoritative for the local part). Taken when a need-sync query is sent, applied to what the
 * database answered. Both modes use it; mutable until {@link #over}, confined to one actor.
 */
public final class NeedSyncOverlay {
  private record Cached(boolean needSync, boolean deleted) {}

  private final Map<EntryId, Cached> cached = new HashMap<>();

  /** Adds what a dirty entry last reported. */
  public void add(EntryId id, boolean needSync, boolean deleted) {
    cached.put(id, new Cached(needSync, deleted));
  }

  /** The stored need-sync sets, corrected by the cached dirty entries. */
  public NeedSync over(Set<EntryId> storedLocal, Set<EntryId> storedRemote) {
    Set<EntryId> local = new HashSet<>(storedLocal);
    Set<EntryId> remote = new HashSet<>(storedRemote);
    cached.forEach((id, entry) -> {
      local.remove(id);
      if (entry.needSync() && !entry.deleted()) {
        local.add(id);
      }
      if (entry.deleted()) {
        remote.remove(id);
      }
    });
    return new NeedSync(local, remote);
  }
}
