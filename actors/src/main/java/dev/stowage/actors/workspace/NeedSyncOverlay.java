package dev.stowage.actors.workspace;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.NeedSync;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The dirty entries' view of need-sync, laid over the stored rows (INV-5: the cache is
 * authoritative for the local part). Taken when a need-sync query is sent, applied to what the
 * database answered. Both modes use it; mutable until {@link #over}, confined to one actor.
 *
 * <p>The paged forms ({@link #outboundPage}, {@link #inboundPage}, {@link #listPage}) take a stored
 * page read with the matching {@code ...ReadLimit(limit)} as its limit: however many of
 * its ids the cache hides, at least {@code limit} stay, and any stored id past the page is greater
 * than all of them. So the first {@code limit} ids of the corrected page are the first of the
 * whole corrected set.
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

  /** How many stored ids to read for an outbound page of {@code limit}: the cache may hide the dirty clear and the deleted. */
  public int outboundReadLimit(int limit) {
    return plus(limit, cached.values().stream().filter(entry -> !entry.needSync() || entry.deleted()).count());
  }

  /** How many stored ids to read for an inbound or list page of {@code limit}: the cache may hide the deleted. */
  public int deletedReadLimit(int limit) {
    return plus(limit, cached.values().stream().filter(Cached::deleted).count());
  }

  private static int plus(int limit, long hidden) {
    return (int) Math.min(Integer.MAX_VALUE, limit + hidden);
  }

  /** The first {@code limit} ids of the local need-sync set, ascending, from a stored page. */
  public List<EntryId> outboundPage(List<EntryId> storedPage, int limit) {
    TreeSet<EntryId> ids = new TreeSet<>(storedPage);
    cached.forEach((id, entry) -> {
      if (entry.needSync() && !entry.deleted()) {
        ids.add(id);
      } else {
        ids.remove(id);
      }
    });
    return first(ids, limit);
  }

  /** The first {@code limit} ids of the remote need-sync set, ascending, from a stored page. */
  public List<EntryId> inboundPage(List<EntryId> storedPage, int limit) {
    TreeSet<EntryId> ids = new TreeSet<>(storedPage);
    cached.forEach((id, entry) -> {
      if (entry.deleted()) {
        ids.remove(id);
      }
    });
    return first(ids, limit);
  }

  /**
   * The first {@code limit} ids, ascending, strictly after {@code after} (null: from the start), of
   * the stored and cached entries: a stored page with the dirty entries not yet stored added and
   * the deleted ones taken out.
   */
  public List<EntryId> listPage(List<EntryId> storedPage, EntryId after, int limit) {
    TreeSet<EntryId> ids = new TreeSet<>(storedPage);
    cached.forEach((id, entry) -> {
      if (entry.deleted()) {
        ids.remove(id);
      } else if (after == null || id.compareTo(after) > 0) {
        ids.add(id);
      }
    });
    return first(ids, limit);
  }

  /** The dirty ids, to ask the database which of them it stores with need-sync. */
  public Set<EntryId> ids() {
    return cached.keySet();
  }

  /**
   * How many entries need sync: {@code storedCount} stored ones, of which the dirty entries among
   * {@code storedAmongCached} count as the cache says instead.
   */
  public long outboundCount(long storedCount, Set<EntryId> storedAmongCached) {
    long count = storedCount - storedAmongCached.size();
    for (Cached entry : cached.values()) {
      if (entry.needSync() && !entry.deleted()) {
        count++;
      }
    }
    return count;
  }

  private static List<EntryId> first(TreeSet<EntryId> ids, int limit) {
    List<EntryId> page = new ArrayList<>(Math.min(limit, ids.size()));
    for (EntryId id : ids) {
      if (page.size() == limit) {
        break;
      }
      page.add(id);
    }
    return page;
  }
}
