package dev.stowage.cluster;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.facade.ActorWorkspaceStorage;
import dev.stowage.actors.facade.ManifestRoute;
import dev.stowage.actors.transaction.ManifestTransaction;
import dev.stowage.actors.gateway.CacheOperations;
import dev.stowage.actors.gateway.DbGateway;
import dev.stowage.actors.gateway.DatabaseFile;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.GatewayEvent;
import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.actors.feed.CheckpointEvents;
import dev.stowage.actors.workspace.ChunkPromotion;
import dev.stowage.actors.workspace.NeedSyncOverlay;
import dev.stowage.actors.workspace.PayloadPipeline;
import dev.stowage.actors.workspace.WorkspaceBackend;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.GetInboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetOutboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetOutboundSyncBacklog;
import dev.stowage.protocol.StorageCommand.ListManifests;
import dev.stowage.protocol.StorageCommand.PromoteChunkToBlock;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.LocalKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.pattern.StatusReply;

/**
 * Cluster mode's {@link WorkspaceBackend}: one workspace on one node of a cluster, under the same
 * {@link dev.stowage.actors.workspace.WorkspaceSupervisor} as local mode.
 *
 * <ul>
 *   <li>Manifest commands go to the workspace's sharded {@link dev.stowage.actors.entity.ManifestEntity}s, wherever Cluster
 *       Sharding placed them (entity id = workspace + manifest id); those this node runs are
 *       {@link HostedEntities}.
 *   <li>Chunk and workspace commands (checkpoint, prevent-sync pattern, need-sync) go to
 *       PostgreSQL through the node's chunk gateway ({@link ClusterDatabase}), in one lane per
 *       workspace and node: a caller's calls reach the database in the order it made them, and
 *       those queued while a transaction runs share the next one (group commit). Chunks are sealed
 *       and opened on the gateway's threads.
 *   <li>Block commands go to a node-local SQLite block cache ({@link DbGateway} over {@link
 *       CacheStore}, as in local mode).
 * </ul>
 *
 * <p>Need-sync and {@code clearMemoryCache} are workspace-wide: {@link WorkspacePeers} reaches the
 * entities of every node that hosts some.
 *
 * <p>Opening: the schema is ready, the workspace's key is checked against its row, and the block
 * cache is open. A failure of the block cache or of PostgreSQL (a chunk or workspace request that fails
 * with {@link StorageFailedException}) fails the workspace on this node (INV-6). A manifest
 * entity's own store failure fails that entity's pending commands and passivates it (its successor
 * reloads), without failing the workspace: the entity serves every node, and a revision conflict
 * of one entity says nothing about the others.
 */
final class ClusterWorkspace implements WorkspaceBackend {

  /** The entry id whose AAD seals the workspace's key check. */
  private static final EntryId KEY_CHECK_ID = new EntryId(new UUID(0, 0));
  private static final byte[] KEY_CHECK_PLAINTEXT = "stowage key check".getBytes(StandardCharsets.UTF_8);

  private record KeyChecked(Throwable error) implements SupervisorMessage {}

  private record CacheClosed(Throwable error) implements SupervisorMessage {}

  static WorkspaceBackend.Factory factory(String workspaceId, LocalKey key, StorageSettings settings, ClusterNode node,
      WorkspaceHealth health) {
    return (context, events) -> new ClusterWorkspace(context, events, workspaceId, key, settings, node, health);
  }

  private final ActorContext<Object> context;
  private final Events events;
  private final String workspaceId;
  private final StorageSettings settings;
  private final ClusterNode node;
  private final WorkspaceHealth health;
  private final BlobCipher cipher;
  private final ClusterTables tables;
  private final ClusterOperations operations;
  private final ClusterDatabase.SqlLane lane;
  private final Executor executor;
  private final ActorRef<ShardingEnvelope<Object>> region;
  private final DatabaseFile<CacheStore> cache;
  /** The block path of local mode, over this node's block cache. */
  private final PayloadPipeline<CacheStore> blocks;
  private final HostedEntities hosted;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  /** Asks the workspace's other nodes, for need-sync and clearMemoryCache. */
  private final WorkspacePeers peers;
  private final ClusterTransactions transactions;
  private final ChunkPromotion promotion;
  /** This node's subscribers of the workspace's changes; the node's relay delivers every node's changes to it. */
  private final ChangeFeed feed;
  private final FeedRelay.Handle relay;
  private boolean keyChecked;
  private boolean cacheOpen;
  private boolean releasing;

  private ClusterWorkspace(ActorContext<Object> context, Events events, String workspaceId, LocalKey key,
      StorageSettings settings, ClusterNode node, WorkspaceHealth health) {
    this.context = context;
    this.events = events;
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.node = node;
    this.health = health;
    this.cipher = new BlobCipher(key);
    this.tables = new ClusterTables(workspaceId);
    this.operations = new ClusterOperations(tables, cipher);
    this.lane = node.database().lane();
    this.executor = context.getExecutionContext();
    this.hosted = new HostedEntities(settings.maxDirty(), id -> toEntity(id, EntityCommand.Lifecycle.FLUSH));
    node.listen(workspaceId, context.getSelf().narrow()); // before any entity can start and report
    this.region = node.startEntities(workspaceId, cipher, settings);
    String cacheName = "workspace '" + workspaceId + "' block cache";
    this.cache = new DatabaseFile<>(cacheName, context.spawn(
        DbGateway.create(cacheName,
            () -> CacheStore.open(settings.workspaceDir(workspaceId), settings.durability(), cipher, settings.blockLimit()),
            settings.maxBatch(), settings.maxDelay(), context.getSelf().narrow(), health),
        "cache", DispatcherSelector.fromConfig(settings.gatewayDispatcher())),
        context.getSystem().scheduler(), settings.askTimeout());
    this.blocks = PayloadPipeline.blocks(context, cache, cipher);
    this.peers = new WorkspacePeers(context.getSystem(), workspaceId, settings.askTimeout());
    this.transactions = new ClusterTransactions(workspaceId, hold -> toEntity(hold.id(), hold), node.database(),
        node.rows(), settings.askTimeout());
    this.relay = node.feedRelay(workspaceId);
    this.feed = relay.newFeed();
    relay.relay().tell(new FeedRelay.Register(feed));
    this.promotion = new ChunkPromotion(context.getSelf().narrow(), context.getSystem().scheduler(),
        settings.askTimeout(), executor, relay.publisher());
  }

  @Override
  public void open() {
    context.pipeToSelf(node.schemaReady().thenCompose(ready -> lane.submit("opening workspace '" + workspaceId + "'",
            connection -> tables.openWorkspace(connection, cipher.seal(KEY_CHECK_ID, KEY_CHECK_PLAINTEXT))))
        .thenAccept(this::verifyKey), (ok, error) -> new KeyChecked(error));
  }

  private void verifyKey(byte[] storedCheck) {
    try {
      cipher.open(KEY_CHECK_ID, storedCheck);
    } catch (CorruptEntryException e) {
      throw new InvalidRequestException("workspace '" + workspaceId + "' is stored in the cluster's database under"
          + " another key: this is not the key it was created with", e);
    }
  }

  @Override
  public WorkspaceStorage storage(ActorRef<Object> supervisor) {
    // manifest commands straight to the region: the supervisor would only forward them there
    return ActorWorkspaceStorage.sharded(workspaceId, supervisor, context.getSystem().scheduler(),
        context.getExecutionContext(), settings, health, new ManifestRoute(region.unsafeUpcast(),
            command -> envelope(command.id(), command), node.fence()), feed);
  }

  @Override
  public ChangeFeed feed() {
    return feed;
  }

  // ---------------------------------------------------------------------------------------------
  // Operations: chunks and the workspace's rows on PostgreSQL (ClusterOperations), blocks in the
  // node's cache, manifests to their entities

  @Override
  public void manifest(ManifestCommand command) {
    toEntity(command.id(), command);
  }

  /** A coordinator on this node: it holds the entities through the region, wherever they live, and commits on PostgreSQL. */
  @Override
  public void updateManifests(UpdateManifests request) {
    context.spawnAnonymous(ManifestTransaction.create(request, transactions, settings.askTimeout()),
        DispatcherSelector.fromConfig(settings.dispatcher()));
  }

  @Override
  public void getChunk(GetChunk request) {
    reply(run(operations.getChunk(request.id())), request.replyTo());
  }

  @Override
  public void setChunk(SetChunk request) {
    feed.backlogChanged();
    reply(run(operations.putChunk(request.id(), request.data())), request.replyTo());
  }

  @Override
  public void clearChunk(ClearChunk request) {
    feed.backlogChanged();
    reply(run(operations.deleteChunk(request.id())), request.replyTo());
  }

  @Override
  public void getLocalChunkIds(GetLocalChunkIds request) {
    reply(run(operations.presentChunks(request.ids())), request.replyTo());
  }

  @Override
  public void getBlock(GetBlock request) {
    blocks.get(request.id(), false, request.replyTo());
  }

  @Override
  public void setBlock(SetBlock request) {
    blocks.set(request.id(), request.data(), request.replyTo());
  }

  @Override
  public void clearBlock(ClearBlock request) {
    blocks.clear(request.id(), request.replyTo());
  }

  /**
   * INV-5 across nodes: every node's dirty entries, gathered before the rows are read (an entry
   * flushed meanwhile is in the rows, one still dirty is in the overlay).
   */
  @Override
  public void getNeedSyncEntries(GetNeedSyncEntries request) {
    NeedSyncOverlay cached = hosted.dirty().needSyncOverlay();
    reply(peers.dirtyElsewhere(cached).thenCompose(overlay -> run(operations.needSync())
        .thenApply(stored -> overlay.over(stored.local(), stored.remote()))), request.replyTo());
  }

  // The pages and the backlog gather every node's dirty entries first, like need-sync (INV-5).

  @Override
  public void getOutboundNeedSync(GetOutboundNeedSync request) {
    int limit = request.limit();
    reply(peers.dirtyElsewhere(hosted.dirty().needSyncOverlay()).thenCompose(overlay ->
        run(operations.outboundPage(overlay.outboundReadLimit(limit)))
            .thenApply(stored -> overlay.outboundPage(stored, limit))), request.replyTo());
  }

  @Override
  public void getInboundNeedSync(GetInboundNeedSync request) {
    int limit = request.limit();
    reply(peers.dirtyElsewhere(hosted.dirty().needSyncOverlay()).thenCompose(overlay ->
        run(operations.inboundPage(overlay.deletedReadLimit(limit)))
            .thenApply(stored -> overlay.inboundPage(stored, limit))), request.replyTo());
  }

  @Override
  public void listManifests(ListManifests request) {
    int limit = request.limit();
    reply(peers.dirtyElsewhere(hosted.dirty().needSyncOverlay()).thenCompose(overlay ->
        run(operations.manifestPage(request.after(), overlay.deletedReadLimit(limit)))
            .thenApply(stored -> overlay.listPage(stored, request.after(), limit))), request.replyTo());
  }

  @Override
  public void getOutboundSyncBacklog(GetOutboundSyncBacklog request) {
    reply(peers.dirtyElsewhere(hosted.dirty().needSyncOverlay()).thenCompose(overlay ->
        run(operations.backlog(overlay.ids())).thenApply(stored -> new SyncBacklog(
            overlay.outboundCount(stored.needSync(), stored.needSyncAmongDirty()), stored.chunkBytes()))),
        request.replyTo());
  }

  @Override
  public void promoteChunkToBlock(PromoteChunkToBlock request) {
    promotion.promote(request);
  }

  @Override
  public void getRealmCheckpoint(GetRealmCheckpoint request) {
    reply(run(operations.realmCheckpoint()), request.replyTo());
  }

  @Override
  public void updateRealmCheckpoint(UpdateRealmCheckpoint request) {
    ChangePublisher everyNode = relay.publisher();
    reply(run(operations.updateRealmCheckpoint(request.checkpoint(), request.changedVlobs())).thenApply(raised -> {
      CheckpointEvents.publish(everyNode, raised);
      return Done.getInstance();
    }), request.replyTo());
  }

  @Override
  public void getPreventSyncPattern(GetPreventSyncPattern request) {
    reply(run(operations.preventSyncPattern()), request.replyTo());
  }

  @Override
  public void setPreventSyncPattern(SetPreventSyncPattern request) {
    reply(run(operations.setPreventSyncPattern(request.regex())), request.replyTo());
  }

  @Override
  public void markPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request) {
    reply(run(operations.markPreventSyncPatternFullyApplied(request.regex())), request.replyTo());
  }

  @Override
  public void runVacuum(RunVacuum request) {
    request.replyTo().tell(StatusReply.ack()); // PostgreSQL's autovacuum keeps the shared tables
  }

  @Override
  public void getStats(GetStats request) {
    int live = hosted.live();
    int dirtyCount = hosted.dirty().size();
    DatabaseStats data = new DatabaseStats(0, writes.get(), writes.get(), reads.get(), writes.get() > 0 ? 1 : 0, 0);
    CompletableFuture<DatabaseStats> cacheStats = cache.<DatabaseStats>ask(cache.writer(), GatewayCommand.GetStats::new)
        .toCompletableFuture();
    CompletableFuture<CacheStore.BlockCounters> blockCounters = cache.ask(cache.writer(), CacheOperations.counters())
        .toCompletableFuture();
    reply(CompletableFuture.allOf(cacheStats, blockCounters).thenApply(all -> {
      CacheStore.BlockCounters counters = blockCounters.join();
      return new StorageStats(workspaceId, live, dirtyCount, data, cacheStats.join(),
          counters.blocks(), counters.limit(), counters.hits(), counters.misses(), counters.evictions());
    }), request.replyTo());
  }

  private void toEntity(EntryId id, Object command) {
    region.tell(envelope(id, command));
  }

  /** {@code command} addressed to the entity of {@code id} in this workspace, as the region takes it. */
  private ShardingEnvelope<Object> envelope(EntryId id, Object command) {
    return new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, id), command);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages, entities, release

  @Override
  public void onMessage(SupervisorMessage message, StorageException refusal) {
    if (hosted.onMessage(message) || PayloadPipeline.onMessage(message, health.cause())) {
      return;
    }
    if (message instanceof WorkspacePeers.LocalCollectDirty collect) { // from another node: its need-sync
      List<WorkspacePeers.DirtyEntry> entries = new ArrayList<>();
      hosted.dirty().forEachReported((id, needSync, deleted) ->
          entries.add(new WorkspacePeers.DirtyEntry(id, needSync, deleted)));
      collect.replyTo().tell(new WorkspacePeers.DirtyEntries(entries));
    } else if (message instanceof WorkspacePeers.LocalDrain drain) { // from another node: its clearMemoryCache
      hosted.drain(drain.flush(), drain.replyTo()::tell);
    } else if (message instanceof KeyChecked checked) {
      if (checked.error() != null) {
        Throwable cause = StatusReplies.unwrap(checked.error());
        events.failed(cause instanceof StorageException e ? e
            : new StorageFailedException("workspace '" + workspaceId + "' could not be opened: " + cause, cause));
      } else {
        keyChecked = true;
        maybeOpened();
      }
    } else if (message instanceof GatewayEvent.Opened) {
      cacheOpen = true;
      maybeOpened();
    } else if (message instanceof CacheClosed closed) {
      node.stopListening(workspaceId, context.getSelf().narrow());
      events.released(closed.error());
    }
  }

  private void maybeOpened() {
    if (keyChecked && cacheOpen && !releasing) {
      if (ShardPreallocation.worthIt(node.settings(), settings)) {
        ShardPreallocation.allocateAll(context.getSystem(), region, workspaceId, node.settings().numberOfShards());
      }
      events.opened();
    }
  }

  /** Workspace-wide: this node's entities and, through {@link WorkspacePeers}, every other node's. */
  @Override
  public void clearMemoryCache(boolean flush, Consumer<StatusReply<Done>> done) {
    CompletableFuture<Done> here = new CompletableFuture<>();
    hosted.drain(flush, reply -> {
      if (reply.isSuccess()) {
        here.complete(Done.getInstance());
      } else {
        here.completeExceptionally(reply.getError());
      }
    });
    here.thenCombine(peers.drainElsewhere(flush), (a, b) -> a).whenComplete((ok, error) ->
        done.accept(error == null ? StatusReply.ack() : StatusReply.error(StatusReplies.unwrap(error))));
  }

  @Override
  public void stopEntities(StorageException refusal, Consumer<StatusReply<Done>> done) {
    hosted.drain(true, done); // the shard answers what arrives meanwhile: they are this node's no longer
  }

  /**
   * INV-6, as in local mode: what they hold dirty is dropped, never written after a failure (a
   * manifest flushed now could reference a chunk whose write just failed). What they flushed
   * before is in PostgreSQL; their successors, on this node once reopened or on another, reload it.
   */
  @Override
  public void failEntities(StorageException cause) {
    hosted.failWaiters(cause);
    hosted.drain(false, ignored -> {});
  }

  @Override
  public void release() {
    if (!releasing) {
      releasing = true;
      cache.closeWriter(StatusReplies.adapter(context, reply -> new CacheClosed(reply.isError() ? reply.getError() : null)));
    }
  }

  @Override
  public void stopped() {
    node.stopListening(workspaceId, context.getSelf().narrow()); // however it stopped
    relay.relay().tell(new FeedRelay.Unregister(feed));
  }

  @Override
  public String toString() {
    return "in cluster mode";
  }

  // ---------------------------------------------------------------------------------------------
  // PostgreSQL

  /** Runs {@code operation} in this workspace's lane of the node's chunk gateway, counted as a read or a write. */
  private <T> CompletionStage<T> run(ClusterOperations.SqlOperation<T> operation) {
    (operation.writes() ? writes : reads).incrementAndGet();
    return lane.submit(operation.what() + " in workspace '" + workspaceId + "'", operation.work());
  }

  /**
   * Answers {@code replyTo} when {@code result} completes, on the dispatcher (never a JDBC thread).
   * A {@link StorageFailedException} (PostgreSQL unreachable, or a statement it refused) fails the
   * workspace on this node (INV-6): recorded in its health before the caller hears of it, so that
   * every call made after this answer fails the same way.
   */
  private <T> void reply(CompletionStage<T> result, ActorRef<StatusReply<T>> replyTo) {
    StatusReplies.when(result.whenComplete((value, error) -> {
      if (error != null && StatusReplies.unwrap(error) instanceof StorageFailedException failure) {
        health.record(failure);
        events.failed(failure);
      }
    }), replyTo, executor);
  }
}
