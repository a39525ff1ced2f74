package dev.stowage.actors.entity;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where a {@link ManifestEntity} loads its manifest from and flushes it to: the entity's state
 * machine (versions, write-behind, INV-3/INV-4) knows nothing else about storage. Local mode uses
 * the workspace's data {@link dev.stowage.actors.gateway.DbGateway} ({@link GatewayManifestBackend}); cluster mode a
 * durable-state store (module {@code stowage-cluster}).
 *
 * <p>Both calls are made on the entity's thread and must not block: they answer {@code replyTo}
 * later, with {@link Loaded} or {@link Flushed} on success, or an error. A backend keeps the flushes
 * of one entity in the order they were made: the entity sends a newer version without waiting for
 * the older one to commit.
 */
public interface ManifestBackend {

  /** What a backend answers an entity with on success (the entity's own messages, never serialized). */
  sealed interface Reply permits Loaded, Flushed, Settled {}

  /** The stored, sealed (encrypted CBOR) form of a manifest; empty if none is stored. */
  record Loaded(Optional<byte[]> sealed) implements Reply {}

  /** The flush of {@code version} is committed. */
  record Flushed(long version) implements Reply {}

  /** What is stored once every write sent before the {@link #settle} is decided; empty if none. */
  record Settled(Optional<byte[]> sealed) implements Reply {}

  /**
   * One flush of an entity: its value sealed ({@code null} to delete the entry), the indexed fields
   * of that value, the chunk ids it no longer references (INV-2), and, for a backend that {@link
   * #answersWriters()}, the durable writer to answer once it committed (null for none).
   */
  record Flush(long version, byte[] sealed, long baseVersion, boolean needSync, List<ChunkId> removedChunkIds,
      ActorRef<StatusReply<Done>> writer) {
    public Flush {
      removedChunkIds = List.copyOf(removedChunkIds);
    }

    public Flush(long version, byte[] sealed, long baseVersion, boolean needSync, List<ChunkId> removedChunkIds) {
      this(version, sealed, baseVersion, needSync, removedChunkIds, null);
    }

    /** Whether this flush deletes the entry. */
    public boolean deletes() {
      return sealed == null;
    }
  }

  /**
   * Whether every read the host later sends to this backend's database (a need-sync query, say)
   * runs after the flushes already sent, and sees them. Then an entry whose changes are all sent
   * needs no overlay in the host: local mode's one gateway runs its mailbox in order. Cluster mode's
   * queries take another connection than the entities' flushes, so it says no.
   */
  default boolean ordersLaterReadsAfterFlushes() {
    return false;
  }

  /**
   * Whether this backend answers a flush's {@link Flush#writer()} itself when the flush commits (or
   * fails), one hop sooner than through the entity. If not, the entity answers it.
   */
  default boolean answersWriters() {
    return false;
  }

  /** Reads the stored form of {@code id}; answers {@link Loaded}. */
  void load(EntryId id, ActorRef<StatusReply<Reply>> replyTo);

  /** Writes (or deletes) {@code id} and removes {@code flush.removedChunkIds()}; answers {@link Flushed}. */
  void flush(EntryId id, Flush flush, ActorRef<StatusReply<Reply>> replyTo);

  /**
   * Reads the stored form of {@code id} once every write that reached the store before this call
   * (a tree transaction's commit, say) has committed or failed; answers {@link Settled}. A held
   * entity asks it when the transaction that holds it ended without telling how ({@link
   * EntityCommand.Hold}). What it answers must stay the outcome: a backend whose coordinators may
   * still commit after this (cluster mode, where death watch may report a coordinator on another
   * node stopped while it runs) refuses their commits from now on.
   */
  void settle(EntryId id, ActorRef<StatusReply<Reply>> replyTo);

  /**
   * What this backend knows of the stored row's revision, asked as a tree transaction holds the
   * entity (nothing of it is in flight then): the commit replaces exactly that revision, so that a
   * row another incarnation wrote meanwhile is not overwritten (cluster mode). -1 if it does not
   * know, or keeps no revisions (local mode, whose one gateway orders every write).
   */
  default long heldRevision() {
    return -1;
  }

  /**
   * Whether this backend will know the stored revision ({@link #heldRevision}) once what is in
   * flight is done. Cluster mode's does not before the entity's first operation on its row: a
   * transaction holding the entity then has it flush what it holds first (that write takes the row
   * over), so that its commit replaces a known revision rather than whatever is stored.
   */
  default boolean knowsRevision() {
    return true;
  }

  /**
   * Whether a tree transaction's commit on this backend checks that the rows it creates are absent
   * ({@link HoldReply.Held#absenceUnchecked}): then an entity whose value is not loaded yet takes a
   * hold that expects it absent without loading it, and the commit refuses the transaction with
   * {@link dev.stowage.protocol.ConflictException} if a row is stored after all. Local mode's data
   * writer does: no other writer can store the row meanwhile, since only this entity writes it.
   */
  default boolean commitChecksAbsence() {
    return false;
  }

  /** The tree transaction that held the entity committed its staged write ({@link #heldRevision} replaced). */
  default void committedByTransaction() {}

  /**
   * The entity stopped (its PostStop, however it stopped): an operation not sent yet must not be
   * sent. Cluster mode's backend fails what its writer has not run yet; local mode's has nothing
   * to do, as its one gateway orders every write.
   */
  default void close() {}
}
