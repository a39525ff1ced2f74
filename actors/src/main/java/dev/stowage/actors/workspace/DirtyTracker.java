package dev.stowage.actors.workspace;

import dev.stowage.protocol.EntryId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The entries whose entity holds a value not yet sent to be written, as the entities report them
 * ({@link dev.stowage.actors.entity.EntityHost.Dirty}, {@link dev.stowage.actors.entity.EntityHost.Clean}), in the order they became dirty. It
 * holds two rules, for both modes:
 *
 * <ul>
 *   <li><b>{@code cache.max-dirty}.</b> Past that many dirty entries, the oldest are asked to flush,
 *       each once until it reports again ({@link #overMax}).
 *   <li><b>Need-sync (INV-5).</b> What the dirty entries last reported is laid over the database's
 *       answer to a need-sync query ({@link #needSyncOverlay}).
 * </ul>
 *
 * A plain class, confined to the supervisor that owns it.
 */
public final class DirtyTracker {
  /** What a dirty entry's entity last reported, and whether it has been asked to flush since. */
  private static final class Entry {
    boolean needSync;
    boolean deleted;
    boolean flushRequested;
  }

  private final int maxDirty;
  private final LinkedHashMap<EntryId, Entry> dirty = new LinkedHashMap<>();
  private int flushesRequested;

  public DirtyTracker(int maxDirty) {
    this.maxDirty = maxDirty;
  }

  /** The entity of {@code id} reports its entry dirty; a newer value than any flush asked for. */
  public void reported(EntryId id, boolean needSync, boolean deleted) {
    Entry entry = dirty.computeIfAbsent(id, ignored -> new Entry());
    entry.needSync = needSync;
    entry.deleted = deleted;
    if (entry.flushRequested) {
      entry.flushRequested = false; // a newer version than the one asked to flush
      flushesRequested--;
    }
  }

  /** Whether the entity of {@code id} reported its entry dirty, and not yet clean since. */
  public boolean tracks(EntryId id) {
    return dirty.containsKey(id);
  }

  /** The entry of {@code id} is clean, or its entity is gone (stopped, or its value dropped). */
  public void forget(EntryId id) {
    Entry entry = dirty.remove(id);
    if (entry != null && entry.flushRequested) {
      flushesRequested--;
    }
  }

  /**
   * The oldest dirty entries to ask to flush, so that no more than {@code cache.max-dirty} stay
   * dirty without a flush asked for; each is marked as asked. Entries whose entity {@code canAsk}
   * refuses (not reachable now) are skipped and stay unasked.
   */
  public List<EntryId> overMax(Predicate<EntryId> canAsk) {
    int excess = dirty.size() - flushesRequested - maxDirty;
    List<EntryId> toFlush = new ArrayList<>();
    for (Iterator<Map.Entry<EntryId, Entry>> oldest = dirty.entrySet().iterator(); excess > 0 && oldest.hasNext(); ) {
      Map.Entry<EntryId, Entry> next = oldest.next();
      if (next.getValue().flushRequested || !canAsk.test(next.getKey())) {
        continue;
      }
      next.getValue().flushRequested = true;
      flushesRequested++;
      toFlush.add(next.getKey());
      excess--;
    }
    return toFlush;
  }

  /** INV-5: the dirty entries' need-sync now, to lay over the rows a query is about to read. */
  public NeedSyncOverlay needSyncOverlay() {
    NeedSyncOverlay overlay = new NeedSyncOverlay();
    forEachReported(overlay::add);
    return overlay;
  }

  /** What an entity reported of its dirty entry. */
  @FunctionalInterface
  public interface Report {
    void accept(EntryId id, boolean needSync, boolean deleted);
  }

  /** Every dirty entry with what its entity last reported, oldest first. */
  public void forEachReported(Report action) {
    dirty.forEach((id, entry) -> action.accept(id, entry.needSync, entry.deleted));
  }

  /** How many entries are dirty. */
  public int size() {
    return dirty.size();
  }
}
