package dev.stowage.protocol;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The messages a workspace's supervisor ({@code WorkspaceSupervisor}) answers: one record per
 * method of the {@code WorkspaceStorage} façade, for hosts that prefer {@code ask} on the
 * supervisor's {@code ActorRef}. Every request carries its {@code replyTo}; the reply is a {@link StatusReply} whose
 * error is one of the {@link StorageException}s.
 *
 * <p>Byte arrays passed in ({@link SetChunk#data()}, {@link SetBlock#data()}) belong to Stowage
 * until the reply arrives: do not modify them meanwhile. Arrays in replies belong to the receiver.
 *
 * <p>This is the whole public protocol: only what a client may send. All records are
 * CBOR-serializable by Pekko's Jackson serializer, so the same protocol can cross nodes. The
 * messages Stowage's actors send themselves and each other are private to them, are not part of
 * this type, and are not bound to a serializer (except the one command an entity may receive from
 * another node, {@code EntityCommand.Lifecycle}).
 */
public sealed interface StorageCommand extends CborSerializable {

  /** A request from outside Stowage: answered once, on {@link #replyTo()}, with a {@link StatusReply}. */
  sealed interface Request extends StorageCommand
      permits ManifestCommand, ChunkCommand, BlockCommand, WorkspaceCommand, Operation {
    ActorRef<? extends StatusReply<?>> replyTo();
  }

  /**
   * A request an open workspace serves: every request but the two that change its lifecycle
   * ({@link ClearMemoryCache}, {@link Close}), which its supervisor handles itself.
   */
  sealed interface Operation extends Request
      permits ManifestCommand, GetChunk, SetChunk, ClearChunk, GetLocalChunkIds, GetBlock, SetBlock, ClearBlock,
          GetNeedSyncEntries, GetRealmCheckpoint, UpdateRealmCheckpoint, GetPreventSyncPattern, SetPreventSyncPattern,
          MarkPreventSyncPatternFullyApplied, RunVacuum, GetStats, UpdateManifests, GetOutboundNeedSync,
          GetInboundNeedSync, ListManifests, GetOutboundSyncBacklog, PromoteChunkToBlock {
    /**
     * Hands this request to the method of {@code operations} that serves its kind: the one
     * dispatch over the protocol. A new operation does not compile until it names its method, and
     * that method does not compile until every {@link Operations} (each mode's workspace, the
     * checks of the arguments) serves it.
     */
    void servedBy(Operations operations);
  }

  /**
   * Whatever serves every {@link Operation}, one method per kind: each mode's workspace, and the
   * checks every request passes first. The five manifest commands share one method, which routes
   * them to their entity (the entity tells them apart).
   */
  interface Operations {
    void manifest(ManifestCommand command);

    void getChunk(GetChunk request);

    void setChunk(SetChunk request);

    void clearChunk(ClearChunk request);

    void getLocalChunkIds(GetLocalChunkIds request);

    void getBlock(GetBlock request);

    void setBlock(SetBlock request);

    void clearBlock(ClearBlock request);

    void getNeedSyncEntries(GetNeedSyncEntries request);

    void getRealmCheckpoint(GetRealmCheckpoint request);

    void updateRealmCheckpoint(UpdateRealmCheckpoint request);

    void getPreventSyncPattern(GetPreventSyncPattern request);

    void setPreventSyncPattern(SetPreventSyncPattern request);

    void markPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request);

    void runVacuum(RunVacuum request);

    void getStats(GetStats request);

    void updateManifests(UpdateManifests request);

    void getOutboundNeedSync(GetOutboundNeedSync request);

    void getInboundNeedSync(GetInboundNeedSync request);

    void listManifests(ListManifests request);

    void getOutboundSyncBacklog(GetOutboundSyncBacklog request);

    void promoteChunkToBlock(PromoteChunkToBlock request);
  }

  // ---- manifests: routed to the ManifestEntity of their id --------------------------------------

  /** A command about one manifest, routed to the entity actor of {@link #id()}. */
  sealed interface ManifestCommand extends Request, Operation {
    EntryId id();

    /**
     * The result of the method of {@code kinds} for this command's kind: how the entity, the checks
     * and the wire form tell the five apart, checked complete by the compiler.
     */
    <R> R kind(ManifestKinds<R> kinds);

    @Override
    default void servedBy(Operations operations) {
      operations.manifest(this);
    }
  }

  /** One method per kind of {@link ManifestCommand}. */
  interface ManifestKinds<R> {
    R get(GetManifest command);

    R set(SetManifest command);

    R ensure(EnsureManifestPersistent command);

    R clear(ClearManifest command);

    R populate(PopulateManifest command);
  }

  record GetManifest(EntryId id, ActorRef<StatusReply<LocalManifest>> replyTo) implements ManifestCommand {
    @Override
    public <R> R kind(ManifestKinds<R> kinds) {
      return kinds.get(this);
    }
  }

  /**
   * Puts {@code manifest} in the cache. Durable ({@code cacheOnly = false}): answered after the
   * commit that holds it. Cache-only: answered at once, the entry is dirty until flushed. {@code
   * removedChunkIds} are deleted in the transaction of the flush that writes this value.
   */
  record SetManifest(
      EntryId id,
      LocalManifest manifest,
      boolean cacheOnly,
      Set<ChunkId> removedChunkIds,
      ActorRef<StatusReply<Done>> replyTo)
      implements ManifestCommand {
    @Override
    public <R> R kind(ManifestKinds<R> kinds) {
      return kinds.set(this);
    }
  }

  record EnsureManifestPersistent(EntryId id, ActorRef<StatusReply<Done>> replyTo) implements ManifestCommand {
    @Override
    public <R> R kind(ManifestKinds<R> kinds) {
      return kinds.ensure(this);
    }
  }

  record ClearManifest(EntryId id, ActorRef<StatusReply<Done>> replyTo) implements ManifestCommand {
    @Override
    public <R> R kind(ManifestKinds<R> kinds) {
      return kinds.clear(this);
    }
  }

  /**
   * Stores {@code fetched} (a manifest the server sent) only if the entry has no value here, cached
   * or stored, and answers with the value the entry holds afterwards: {@code fetched}, after the
   * commit that holds it, or the local value, untouched.
   */
  record PopulateManifest(EntryId id, LocalManifest fetched, ActorRef<StatusReply<LocalManifest>> replyTo)
      implements ManifestCommand {
    @Override
    public <R> R kind(ManifestKinds<R> kinds) {
      return kinds.populate(this);
    }
  }

  /**
   * A tree transaction: every change applies, in one commit, or none does. Each applies only if its
   * entry holds its {@code expected} value; otherwise the reply is a {@link ConflictException}
   * naming those that did not. Answered after the commit.
   */
  record UpdateManifests(List<ManifestChange> changes, ActorRef<StatusReply<Done>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.updateManifests(this);
    }
  }

  // ---- chunks: the data database --------------------------------------------------------------

  sealed interface ChunkCommand extends Request {}

  record GetChunk(ChunkId id, ActorRef<StatusReply<byte[]>> replyTo) implements ChunkCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getChunk(this);
    }
  }

  record SetChunk(ChunkId id, byte[] data, ActorRef<StatusReply<Done>> replyTo) implements ChunkCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.setChunk(this);
    }
  }

  record ClearChunk(ChunkId id, ActorRef<StatusReply<Done>> replyTo) implements ChunkCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.clearChunk(this);
    }
  }

  record GetLocalChunkIds(List<ChunkId> ids, ActorRef<StatusReply<Set<ChunkId>>> replyTo) implements ChunkCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getLocalChunkIds(this);
    }
  }

  /**
   * Moves an uploaded chunk's data into the block cache and removes it from the chunks (SPEC 6b):
   * the block is committed before the chunk is deleted, so a crash leaves it in one place or both.
   */
  record PromoteChunkToBlock(ChunkId id, ActorRef<StatusReply<Done>> replyTo) implements ChunkCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.promoteChunkToBlock(this);
    }
  }

  // ---- blocks: the cache database --------------------------------------------------------------

  sealed interface BlockCommand extends Request {}

  record GetBlock(ChunkId id, ActorRef<StatusReply<byte[]>> replyTo) implements BlockCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getBlock(this);
    }
  }

  record SetBlock(ChunkId id, byte[] data, ActorRef<StatusReply<Done>> replyTo) implements BlockCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.setBlock(this);
    }
  }

  record ClearBlock(ChunkId id, ActorRef<StatusReply<Done>> replyTo) implements BlockCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.clearBlock(this);
    }
  }

  // ---- the workspace as a whole ------------------------------------------------------------------

  sealed interface WorkspaceCommand extends Request {}

  record GetNeedSyncEntries(ActorRef<StatusReply<NeedSync>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getNeedSyncEntries(this);
    }
  }

  /** At most {@code limit} ids of the local need-sync set (the cache authoritative, INV-5), ascending. */
  record GetOutboundNeedSync(int limit, ActorRef<StatusReply<List<EntryId>>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getOutboundNeedSync(this);
    }
  }

  /** At most {@code limit} ids of the remote need-sync set, ascending. */
  record GetInboundNeedSync(int limit, ActorRef<StatusReply<List<EntryId>>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getInboundNeedSync(this);
    }
  }

  /**
   * At most {@code limit} ids of the stored and cached entries, ascending by their 16-byte form,
   * strictly after {@code after} ({@code null}: from the start).
   */
  record ListManifests(EntryId after, int limit, ActorRef<StatusReply<List<EntryId>>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.listManifests(this);
    }
  }

  /** How many entries need sync (cache included) and the bytes of the chunks not yet promoted. */
  record GetOutboundSyncBacklog(ActorRef<StatusReply<SyncBacklog>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getOutboundSyncBacklog(this);
    }
  }

  record GetRealmCheckpoint(ActorRef<StatusReply<Long>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getRealmCheckpoint(this);
    }
  }

  record UpdateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs, ActorRef<StatusReply<Done>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.updateRealmCheckpoint(this);
    }
  }

  record GetPreventSyncPattern(ActorRef<StatusReply<PreventSyncPattern>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getPreventSyncPattern(this);
    }
  }

  record SetPreventSyncPattern(String regex, ActorRef<StatusReply<Done>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.setPreventSyncPattern(this);
    }
  }

  record MarkPreventSyncPatternFullyApplied(String regex, ActorRef<StatusReply<Done>> replyTo)
      implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.markPreventSyncPatternFullyApplied(this);
    }
  }

  record ClearMemoryCache(boolean flush, ActorRef<StatusReply<Done>> replyTo) implements WorkspaceCommand {}

  record RunVacuum(ActorRef<StatusReply<Done>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.runVacuum(this);
    }
  }

  record GetStats(ActorRef<StatusReply<StorageStats>> replyTo) implements WorkspaceCommand, Operation {
    @Override
    public void servedBy(Operations operations) {
      operations.getStats(this);
    }
  }

  record Close(ActorRef<StatusReply<Done>> replyTo) implements WorkspaceCommand {}

}
