package dev.stowage.actors.common;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The values the live {@link dev.stowage.actors.entity.ManifestEntity}s of one workspace have accepted, readable by any
 * thread: the façade answers a hot {@code getManifest} from here, on the caller's thread, without
 * an actor round trip.
 *
 * <h2>Who writes</h2>
 *
 * Each entity writes only its own id, from its own thread, so the entries never race each other:
 *
 * <ul>
 *   <li>it publishes a value when it accepts it: a write, before the writer is answered, and a
 *       load, only if nothing was written while the load was in flight (INV-4);
 *   <li>it unpublishes when the value stops being what a read must return: a clear (before the
 *       clear is answered), a discard of unflushed writes ({@code clearMemoryCache(false)}), a
 *       failure, and its stop, before its host learns that it stopped. A successor for the same
 *       id is spawned only after that, so at most one entity publishes an id at a time.
 * </ul>
 *
 * A read therefore returns the last value an entity accepted: the last completed write, or a
 * write that overlaps the read (INV-17). The map holds at most one entry per live entity, so it is
 * bounded by {@code entity.max-active} (INV-18).
 *
 * <h2>Recency</h2>
 *
 * A read served here never reaches the entity, so it marks the entry read; the entity counts the
 * mark as activity before it asks to be passivated, and the supervisor gives a marked entity a
 * second chance before it passivates the least recently used one for {@code max-active}. Each of
 * the two consumes its own mark bit.
 */
public final class PublishedManifests {
  /** A workspace without a read path here (cluster mode): nothing is ever published. */
  public static final PublishedManifests NONE = new PublishedManifests(false);

  public static final int READ_SINCE_IDLE_CHECK = 1;
  public static final int READ_SINCE_LRU_CHECK = 2;
  private static final int READ = READ_SINCE_IDLE_CHECK | READ_SINCE_LRU_CHECK;

  /** One published value and the marks of the reads it served. */
  static final class Entry {
    final LocalManifest value;
    private final AtomicInteger marks = new AtomicInteger();

    Entry(LocalManifest value) {
      this.value = value;
    }

    void markRead() {
      if (marks.get() != READ) { // a plain read first: hot entries are not written on every hit
        marks.set(READ);
      }
    }

    /** Whether a read marked this entry since the last call with the same {@code bit}; clears it. */
    boolean takeMark(int bit) {
      return (marks.getAndUpdate(m -> m & ~bit) & bit) != 0;
    }
  }

  private final boolean enabled;
  private final ConcurrentHashMap<EntryId, Entry> entries = new ConcurrentHashMap<>();

  private PublishedManifests(boolean enabled) {
    this.enabled = enabled;
  }

  /** An empty read path for one workspace. */
  public static PublishedManifests create() {
    return new PublishedManifests(true);
  }

  /** The accepted value of {@code id}, marked read; null if no live entity published one. */
  public LocalManifest read(EntryId id) {
    Entry entry = entries.get(id);
    if (entry == null) {
      return null;
    }
    entry.markRead();
    return entry.value;
  }

  /** Called by the entity of {@code id} only: {@code value} is now the entry's accepted value. */
  public Entry publish(EntryId id, LocalManifest value) {
    if (!enabled) {
      return null;
    }
    Entry entry = new Entry(value);
    entries.put(id, entry);
    return entry;
  }

  /** Called by the entity of {@code id} only: reads must ask the entity (or its successor) again. */
  void unpublish(EntryId id, Entry published) {
    if (published != null) {
      entries.remove(id, published);
    }
  }

  /** The way the entity of {@code id} publishes its value (one per incarnation). */
  public Publication publication(EntryId id) {
    return new Publication(id);
  }

  /** One entity's value here: it withdraws only what it published itself, never its successor's. */
  public final class Publication {
    private final EntryId id;
    private Entry entry;

    private Publication(EntryId id) {
      this.id = id;
    }

    /** {@code accepted} is the entry's value now ({@code null}: none): reads may be served it without asking. */
    public void publish(LocalManifest accepted) {
      if (accepted == null) {
        withdraw();
      } else {
        entry = PublishedManifests.this.publish(id, accepted);
      }
    }

    /** Reads must ask the entity (or its successor) again. */
    public void withdraw() {
      unpublish(id, entry);
      entry = null;
    }
  }

  /** Whether a read served here marked {@code id} since the last check with {@code bit}. */
  public boolean takeReadMark(EntryId id, int bit) {
    Entry entry = entries.get(id);
    return entry != null && entry.takeMark(bit);
  }

  /** Entries published now (for tests and statistics). */
  public int size() {
    return entries.size();
  }
}
