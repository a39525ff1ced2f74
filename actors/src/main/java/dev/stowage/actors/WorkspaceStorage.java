package dev.stowage.actors;

import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageStats;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The storage of one open workspace. Every method returns at once (it never waits for I/O); its
 * stage completes when the operation has taken effect, or fails with a {@link
 * dev.stowage.protocol.StorageException} as its cause (a {@link java.util.concurrent.TimeoutException}
 * if no answer came within {@code stowage.ask-timeout}).
 *
 * <p>Consistency: per id, completed operations are linearizable (a read returns the last
 * completed write or one that overlaps it). The calls of one caller take effect in the order it
 * made them within each kind: manifest calls per id, chunk calls, block calls (so {@code
 * setChunk(a, x)} then {@code clearChunk(a)} without waiting leaves no chunk). Between kinds there
 * is no order: wait for a chunk's {@code setChunk} to complete before storing a manifest that
 * references it — that is what keeps every stored manifest's chunks stored (INV-1).
 *
 * <p>Byte arrays passed to {@link #setChunk} and {@link #setBlock} belong to the storage until the
 * stage completes: do not modify them meanwhile. Arrays returned belong to the caller.
 */
public interface WorkspaceStorage {

  // ---- manifests ---------------------------------------------------------------------------------

  /** The cached or stored manifest; fails with {@link dev.stowage.protocol.EntryMissingException} if there is none. */
  CompletionStage<LocalManifest> getManifest(EntryId id);

  /** Caches and stores {@code m}; completes after the commit that holds it. */
  CompletionStage<Done> setManifest(EntryId id, LocalManifest m);

  /**
   * Caches {@code m}. With {@code cacheOnly}, completes at once and the entry stays dirty until it
   * is flushed (ensure, passivation, max-dirty, clearMemoryCache(true), close); otherwise completes
   * after the commit that holds it. {@code removedChunkIds} are deleted in the transaction that
   * writes this value (or a newer one); until then they stay readable.
   */
  CompletionStage<Done> setManifest(EntryId id, LocalManifest m, boolean cacheOnly, Set<ChunkId> removedChunkIds);

  /** Completes when the cached value of {@code id} (if dirty) is committed. */
  CompletionStage<Done> ensureManifestPersistent(EntryId id);

  /**
   * Removes the entry from the cache and the database, with its pending removed chunks, in one
   * transaction; fails with {@link dev.stowage.protocol.EntryMissingException} only if it is in neither.
   */
  CompletionStage<Done> clearManifest(EntryId id);

  /**
   * A tree transaction (SPEC §6b): every change applies, or none does. Each applies only if its
   * entry's current value (cached or stored, a cache-only write included) equals its {@code
   * expected} ({@code Optional.empty()}: the entry has no value); if any differs, nothing changes
   * and the stage fails with {@link dev.stowage.protocol.ConflictException} naming them: read
   * again, rebuild the changes and retry. Otherwise every value is committed in one transaction,
   * with the chunks each change removes and the entries' pending removed chunks, before the stage
   * completes; the entries are then clean.
   *
   * <p>It takes effect at one instant: once a read has returned one of its values, every later read
   * of any of its entries returns that value or a later one. Single-key calls on its entries wait
   * for it; transactions over overlapping entries never deadlock. A crash (or, with {@code
   * durability = full}, a power cut) stores it whole or not at all.
   *
   * <p>Refused with {@link dev.stowage.protocol.InvalidRequestException}, nothing changed: an empty
   * list, an id twice, an {@code updated} or {@code expected} of another id, more than 1,000 changes,
   * any change {@link #setManifest} would refuse.
   */
  CompletionStage<Done> updateManifests(List<ManifestChange> changes);

  /**
   * A tree transaction computed from what its entries hold, as Caffeine's {@code compute} is for one
   * key: reads {@code ids} (an absent entry is {@code Optional.empty()}), calls {@code update} with
   * their values, and commits the values it returns with {@link #updateManifests(List)}, each
   * expecting the value that was read. On a {@link dev.stowage.protocol.ConflictException} it reads
   * again and calls {@code update} again, up to 100 times, then fails with the last conflict.
   *
   * <p>{@code update} may run several times and on one of Stowage's threads: keep it quick and free
   * of side effects. It returns the new values of the entries to write, each among {@code ids}
   * (another id fails the stage with {@link dev.stowage.protocol.InvalidRequestException}); an
   * entry it leaves out is not written, and an empty map writes nothing. It removes no chunks: use
   * the list form for that. If it throws, the stage fails with what it threw.
   */
  default CompletionStage<Done> updateManifests(Set<EntryId> ids,
      Function<Map<EntryId, Optional<LocalManifest>>, Map<EntryId, LocalManifest>> update) {
    return ManifestUpdates.compute(this, ids, update);
  }

  /**
   * Stores {@code fetched} (what the server sent for a cache miss) only if the entry has no value
   * here, cached or stored, and completes with the value the entry holds afterwards: {@code
   * fetched}, once committed, or the local value, untouched. It never overwrites a local value,
   * not even a cache-only write made a moment before.
   */
  CompletionStage<LocalManifest> populateManifest(EntryId id, LocalManifest fetched);

  /** Entries with local changes to upload (the cache wins over the database) or remote ones to fetch. */
  CompletionStage<NeedSync> getNeedSyncEntries();

  /**
   * At most {@code limit} ids of the local need-sync set (SPEC 6b), ascending by their 16-byte form:
   * what a sync engine takes to upload next. The cache is authoritative, as for {@link
   * #getNeedSyncEntries()}. Fails with {@code InvalidRequestException} if {@code limit < 1}.
   */
  CompletionStage<List<EntryId>> getOutboundNeedSync(int limit);

  /** At most {@code limit} ids of the remote need-sync set ({@code base_version != remote_version}), ascending. */
  CompletionStage<List<EntryId>> getInboundNeedSync(int limit);

  /**
   * At most {@code limit} ids of the stored and cached entries, ascending by their 16-byte form
   * ({@link EntryId#compareTo}), strictly after {@code after} ({@code null}: from the start). Page
   * through a workspace by passing the last id of each page; an empty page is the end.
   */
  CompletionStage<List<EntryId>> listManifests(EntryId after, int limit);

  /** How many entries need sync (cache included) and the plaintext bytes of the chunks not yet promoted. */
  CompletionStage<SyncBacklog> getOutboundSyncBacklog();

  CompletionStage<Long> getRealmCheckpoint();

  /**
   * Stores {@code checkpoint} and raises the remote version of the stored entries among {@code
   * changedVlobs} (never lowering it, never creating an entry), in one transaction.
   */
  CompletionStage<Done> updateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs);

  /** The current prevent-sync pattern; {@code ^\b$} (matches nothing) until one is set. */
  CompletionStage<Pattern> getPreventSyncPattern();

  /** Replaces the pattern (its flags must be inline, e.g. {@code (?i)}); the same pattern again is a no-op. */
  CompletionStage<Done> setPreventSyncPattern(Pattern p);

  /** Records that {@code p} was fully applied, only if it is still the current pattern. */
  CompletionStage<Done> markPreventSyncPatternFullyApplied(Pattern p);

  /** The current prevent-sync pattern and whether it was fully applied. */
  CompletionStage<PreventSyncPattern> getPreventSyncPatternState();

  // ---- chunks (data database) ----------------------------------------------------------------------

  /** A chunk's bytes; fails with {@link dev.stowage.protocol.EntryMissingException} if it is not stored. */
  CompletionStage<byte[]> getChunk(ChunkId id);

  /** Stores a chunk of at most {@code stowage.max-chunk-size} bytes; completes after its commit. */
  CompletionStage<Done> setChunk(ChunkId id, byte[] data);

  /** Deletes a chunk; fails with {@link dev.stowage.protocol.EntryMissingException} if it is not stored. */
  CompletionStage<Done> clearChunk(ChunkId id);

  /** The ids among {@code ids} (any number) that are stored. */
  CompletionStage<Set<ChunkId>> getLocalChunkIds(Collection<ChunkId> ids);

  /**
   * After the chunk was uploaded: moves its data into the block cache (where the LRU may evict it)
   * and removes it from the chunks (SPEC 6b). The block is committed before the chunk is deleted:
   * a process crash leaves it in one place or both, never in neither, and promoting again completes
   * it. (The two are in two database files: with {@code durability = normal} a power cut may lose
   * the block's commit and keep the chunk's delete. The chunk is on the server, as uploaded chunks
   * are, and is fetched again as a block; with {@code full} both commits are synced in order.)
   * Mark the chunk uploaded in its file's manifest first, then promote it: the other order leaves a
   * not-uploaded reference to a chunk that is gone if the process dies between (INV-1). Fails with
   * {@code EntryMissingException} if {@code id} is not a local chunk.
   */
  CompletionStage<Done> promoteChunkToBlock(ChunkId id);

  // ---- blocks (cache database, LRU-bounded) ----------------------------------------------------------

  /** A cached block's bytes, refreshing its recency; fails with {@link dev.stowage.protocol.EntryMissingException} if absent. */
  CompletionStage<byte[]> getBlock(ChunkId id);

  /**
   * Caches a block; completes after its commit. Past {@code cache-size / block-size} blocks, the
   * least recently accessed are evicted in the same transaction.
   */
  CompletionStage<Done> setBlock(ChunkId id, byte[] data);

  /** Removes a cached block; absent is fine (blocks come and go with the LRU). */
  CompletionStage<Done> clearBlock(ChunkId id);

  // ---- the change feed ----------------------------------------------------------------------------

  /**
   * The changes of this workspace from now on, as they become visible, with a buffer of {@code
   * stowage.feed.buffer-size} events: {@link #changes(int)}.
   */
  Source<WorkspaceEvent, NotUsed> changes();

  /**
   * The changes of this workspace from the moment the returned {@code Source} is materialized (each
   * materialization is a subscriber of its own), as {@link WorkspaceEvent}s:
   *
   * <ul>
   *   <li>an event is emitted once its change is visible (accepted for a cache-only write, committed
   *       for a durable one), and one entry's events come in the order of its changes;
   *   <li>the subscriber's buffer holds {@code bufferSize} events: if it falls behind, events are
   *       dropped for it alone, and the next one it gets is {@link WorkspaceEvent.EventsMissed}
   *       (resync); the workspace never waits for a subscriber;
   *   <li>the stream ends with {@link WorkspaceEvent.WorkspaceClosed} or {@link
   *       WorkspaceEvent.WorkspaceFailed}, then completes; cancelling it unsubscribes.
   * </ul>
   *
   * Cluster mode: a subscriber on any node that opened the workspace sees the changes made through
   * every node (Pekko distributed pub-sub: at most once, in order per entry while its entity stays on
   * one node; a gap in a node's sequence is reported as {@code EventsMissed}).
   */
  Source<WorkspaceEvent, NotUsed> changes(int bufferSize);

  // ---- lifecycle --------------------------------------------------------------------------------------

  /**
   * Drops every cached manifest. With {@code flush}, dirty entries are written first; without,
   * dirty values and their pending removed chunk ids are discarded unwritten.
   */
  CompletionStage<Done> clearMemoryCache(boolean flush);

  /**
   * Vacuums the data database if it takes more than {@code stowage.vacuum-threshold} on disk: hands
   * its free pages back in steps, with the writes that arrive meanwhile committed between them,
   * then truncates the WAL. A data file created before incremental vacuuming is rebuilt (and
   * converted) instead, once.
   */
  CompletionStage<Done> runVacuum();

  /**
   * Copies the workspace's data (manifests, chunks, realm checkpoint, prevent-sync pattern) as
   * committed at one moment into the new file {@code to}, while the workspace goes on serving: the
   * copy reads one snapshot through a WAL reader connection of its own, on a pinned thread, and
   * stops neither writes nor reads. Completes once the file is whole, synced and in place (it is
   * written beside {@code to} and renamed); not bounded by {@code ask-timeout}, since a large file
   * takes longer to copy.
   *
   * <p>What it holds: every write that completed before the call, and writes that completed
   * meanwhile or not, as of the one commit it copied; never a part of a commit. Rows stay
   * encrypted under the workspace key, as at rest; the file has mode 0600. Not in it: cache-only
   * writes not yet flushed (call {@link #ensureManifestPersistent} or {@code clearMemoryCache(true)}
   * first to include them: a backup is what a crash at that moment would leave), and the block
   * cache, which is downloaded content the host fetches again. {@code bin/stowage restore} puts a
   * backup back.
   *
   * <p>Fails with {@link dev.stowage.protocol.BackupFailedException} if no backup was made ({@code
   * to} exists or cannot be written, another backup runs), and the workspace keeps working; with
   * {@link dev.stowage.protocol.InvalidRequestException} in cluster mode, which keeps its data in
   * PostgreSQL: back that up instead.
   */
  CompletionStage<BackupResult> backup(Path to);

  /** Entities, dirty entries, database sizes, commits, batch sizes, block cache counters. */
  CompletionStage<StorageStats> stats();

  /**
   * Flushes every dirty entry, commits and closes both databases. Idempotent; afterwards every
   * call fails with {@link dev.stowage.protocol.StorageClosedException}.
   *
   * <p>On a workspace that has failed (or fails while closing), close still releases both files, so
   * the workspace can be reopened, but completes with the {@link
   * dev.stowage.protocol.StorageFailedException}: dirty entries were not written.
   */
  CompletionStage<Done> close();

  /** The workspace's id. */
  String workspaceId();

  /** The supervisor actor, for hosts that prefer to {@code ask} the {@link StorageCommand} protocol. */
  ActorRef<StorageCommand> supervisor();
}
