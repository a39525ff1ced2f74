package dev.stowage.actors.entity;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.LocalManifest;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What a {@link ManifestEntity} knows of its entry, and how far that is stored. Confined to its
 * entity.
 *
 * <ul>
 *   <li>The value: the manifest as the cache knows it, {@code null} for absent (never stored, or
 *       cleared). It is authoritative once {@link #known()}: after a load, or after any write. A
 *       stored row that does not open is {@link #corrupt()} instead, until a write replaces it.
 *   <li>The version: a counter bumped by every write (set or clear). {@code sentVersion} is the
 *       newest version sent to the backend, {@code persistedVersion} the newest whose commit
 *       succeeded. The entry is dirty while {@code version > persistedVersion}.
 *   <li>The pending removed chunk ids: deleted with the next flush (INV-2); they stay readable
 *       until that flush commits.
 * </ul>
 *
 * A flush marks nothing clean by value: only versions count (INV-3), so a write during a flush,
 * even of an equal manifest that only adds removed ids, keeps the entry dirty.
 */
final class EntryState {
  private LocalManifest value;
  private boolean known;
  private CorruptEntryException corrupt;
  private long version;
  private long sentVersion;
  private long persistedVersion;
  private final Set<ChunkId> pendingRemoved = new LinkedHashSet<>();

  LocalManifest value() {
    return value;
  }

  boolean known() {
    return known;
  }

  CorruptEntryException corrupt() {
    return corrupt;
  }

  long version() {
    return version;
  }

  long persistedVersion() {
    return persistedVersion;
  }

  /** A write of {@code manifest}: known from now on, one version newer; {@code removed} go with the next flush. */
  void write(LocalManifest manifest, Collection<ChunkId> removed) {
    value = manifest;
    known = true;
    corrupt = null;
    version++;
    pendingRemoved.addAll(removed);
  }

  /** A clear: absent from now on (the stored row and the pending removed ids go with the next flush). */
  void clear() {
    value = null;
    known = true;
    corrupt = null;
    version++;
  }

  /**
   * The stored row arrived ({@code sealed}; empty: there is none), opened with {@code sealing}.
   * Used only if nothing was written while the load was in flight (INV-4): whether it was.
   *
   * @throws CorruptEntryException if it was to be used and does not open: reads fail with it until
   *     a write replaces it
   */
  boolean loaded(Optional<byte[]> sealed, ManifestSealing sealing) {
    if (known) {
      return false; // a write won the race: its value is newer than the row
    }
    if (sealed.isPresent()) {
      try {
        value = sealing.open(sealed.get());
      } catch (CorruptEntryException e) {
        corrupt = e;
        throw e;
      }
    } else {
      value = null;
    }
    known = true;
    return true;
  }

  /** Whether the current version was not sent to the backend yet. */
  boolean unsent() {
    return version != sentVersion;
  }

  /**
   * The flush of the current version, {@code sealed} (null: a delete), with the pending removed
   * ids, which from now on belong to it; the version counts as sent.
   */
  ManifestBackend.Flush flush(byte[] sealed, ActorRef<StatusReply<Done>> writer) {
    List<ChunkId> removed = List.copyOf(pendingRemoved);
    pendingRemoved.clear();
    sentVersion = version;
    return value != null
        ? new ManifestBackend.Flush(version, sealed, value.baseVersion(), value.needSync(), removed, writer)
        : new ManifestBackend.Flush(version, null, 0, false, removed, writer);
  }

  /** The backend committed {@code flushed}: it, and every version before it, is persisted. */
  void persisted(long flushed) {
    persistedVersion = Math.max(persistedVersion, flushed);
  }

  /** Whether a flush was sent and is not yet persisted. */
  boolean flushInFlight() {
    return sentVersion != persistedVersion;
  }

  /**
   * The write a tree transaction commits for this entry: {@code updated} sealed, with its removed
   * chunk ids and the pending ones, as the next version. Changes nothing here: the transaction may
   * not commit.
   */
  ManifestBackend.Flush staged(LocalManifest updated, byte[] sealed, Collection<ChunkId> removed) {
    Set<ChunkId> all = new LinkedHashSet<>(pendingRemoved);
    all.addAll(removed);
    return new ManifestBackend.Flush(version + 1, sealed, updated.baseVersion(), updated.needSync(), List.copyOf(all));
  }

  /**
   * The tree transaction that staged {@code updated} ({@link #staged}) committed: it is the value,
   * one version newer, persisted, and the pending removed ids went with it. Nothing was in flight:
   * an entity is held only once its flushes are settled, and sends none while held.
   */
  void committed(LocalManifest updated) {
    value = updated;
    known = true;
    corrupt = null;
    version++;
    sentVersion = version;
    persistedVersion = version;
    pendingRemoved.clear();
  }

  /** Nothing unsent, nothing sent and not yet persisted. */
  boolean settled() {
    return version == persistedVersion && sentVersion == persistedVersion;
  }

  /**
   * Whether the entry is dirty for its host: changed and not yet settled, that is not yet sent or,
   * unless a sent flush is as good as stored for the host ({@code sentIsSettled}), not yet persisted.
   */
  boolean dirty(boolean sentIsSettled) {
    return version > (sentIsSettled ? sentVersion : persistedVersion);
  }

  /**
   * Drops the writes not yet sent, with their removed ids. Durable writes and ensures were sent when
   * they arrived, so no waiter depends on what is dropped.
   */
  void discardUnsent() {
    pendingRemoved.clear();
    version = sentVersion;
  }

  /** Forgets the value: reads must load the stored one again (a successor will). */
  void forget() {
    value = null;
    known = false;
  }
}
