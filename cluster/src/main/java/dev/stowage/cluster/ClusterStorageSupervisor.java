package dev.stowage.cluster;

import dev.stowage.actors.DbGateway;
import dev.stowage.actors.DirtyTracker;
import dev.stowage.actors.EntityHost;
import dev.stowage.actors.ManifestEntity;
import dev.stowage.actors.NeedSyncOverlay;
import dev.stowage.actors.Replies;
import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StopWaiters;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceHealth;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.ClearMemoryCache;
import dev.stowage.protocol.StorageCommand.Close;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.Request;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.LocalKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.pattern.StatusReply;

/**
 * One workspace open on one node of a cluster: the actor behind the {@link
 * dev.stowage.actors.WorkspaceStorage} façade in cluster mode. It answers the same {@link
 * StorageCommand} protocol as local mode's supervisor.
 *
 * <h2>Routing</h2>
 *
 * <ul>
 *   <li>Manifest commands go to the workspace's sharded {@link ManifestEntity}s, wherever Cluster
 *       Sharding placed them (entity id = workspace + manifest id).
 *   <li>Chunk and workspace commands (checkpoint, prevent-sync pattern, need-sync) go to
 *       PostgreSQL through the node's chunk gateway ({@link ClusterDatabase}), one transaction
 *       each, in one lane per workspace and node: a caller's calls reach the database in the order
 *       it made them.
 *   <li>Block commands go to a node-local SQLite block cache ({@link DbGateway} over {@link
 *       CacheStore}, as in local mode).
 * </ul>
 *
 * <h2>Entities hosted here</h2>
 *
 * The entities this node hosts report their dirty state here: need-sync lays it over the stored
 * rows (INV-5, for the entries cached on this node), and past {@code cache.max-dirty} the oldest
 * are asked to flush. The entities also report their start and stop ({@link ShardHost}), so this
 * supervisor knows which it hosts without asking the shard: {@code clearMemoryCache} and {@code
 * close} ask each of them to passivate (flushing, or discarding first) and are done once each has
 * reported its stop, not before, and with no deadline of their own.
 *
 * <h2>Lifecycle</h2>
 *
 * OPENING (schema ready, the workspace's key checked against its row, block cache open) → OPEN →
 * CLOSING (entities hosted here flush and stop, the block cache closes) → CLOSED (calls answered
 * with {@link StorageClosedException} for {@code ask-timeout}, then the actor stops). A failure of
 * the block cache after open moves OPEN to FAILED (INV-6, on this node): every call is refused with
 * the failure until close, which releases the cache file and answers with the failure too.
 */
final class ClusterStorageSupervisor extends AbstractBehavior<StorageCommand> {

  /** The entry id whose AAD seals the workspace's key check. */
  private static final EntryId KEY_CHECK_ID = new EntryId(new UUID(0, 0));
  private static final byte[] KEY_CHECK_PLAINTEXT = "stowage key check".getBytes(StandardCharsets.UTF_8);

  private record KeyChecked(Throwable error) implements StorageCommand.Internal {}

  private record CacheClosed(Throwable error) implements StorageCommand.Internal {}

  private enum Linger implements StorageCommand.Internal {
    OVER
  }

  private enum Phase {
    OPENING,
    OPEN,
    /** The block cache failed after open (INV-6): calls on this node are refused until close. */
    FAILED,
    CLOSING,
    CLOSED
  }

  /**
   * @param health this node's view of the workspace, shared with its façade: a failure recorded
   *     there refuses every later call on this node before it is sent (INV-6)
   */
  static Behavior<StorageCommand> create(String workspaceId, LocalKey key, StorageSettings settings, ClusterNode node,
      WorkspaceHealth health, CompletableFuture<Done> opened) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new ClusterStorageSupervisor(context, timers, workspaceId, key, settings, node, health, opened)));
  }

  private final TimerScheduler<StorageCommand> timers;
  private final WorkspaceHealth health;
  private final String workspaceId;
  private final StorageSettings settings;
  private final ClusterNode node;
  private final CompletableFuture<Done> opened;
  private final BlobCipher cipher;
  private final ClusterTables tables;
  private final ClusterDatabase.SqlLane lane;
  private final Executor executor;
  private final ActorRef<ShardingEnvelope<StorageCommand>> region;
  private final ActorRef<DbGateway.Command> cache;
  private final ActorRef<StatusReply<Done>> cacheCloseReplies;

  private Phase phase = Phase.OPENING;
  private boolean keyChecked;
  private boolean cacheOpen;
  private final List<ActorRef<StatusReply<Done>>> closeWaiters = new ArrayList<>();
  /** Max-dirty and the need-sync overlay (INV-5), for the entities hosted on this node. */
  private final DirtyTracker dirty;
  /** The entities of this workspace that run on this node, as they report their start and stop. */
  private final Map<EntryId, ActorRef<StorageCommand>> hosted = new HashMap<>();
  /**
   * clearMemoryCache calls and the close, each waiting for the entities hosted here when it began
   * to report their stop: what to do then.
   */
  private final StopWaiters<ActorRef<StorageCommand>, Runnable> drains = new StopWaiters<>();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();

  private ClusterStorageSupervisor(
      ActorContext<StorageCommand> context,
      TimerScheduler<StorageCommand> timers,
      String workspaceId,
      LocalKey key,
      StorageSettings settings,
      ClusterNode node,
      WorkspaceHealth health,
      CompletableFuture<Done> opened) {
    super(context);
    this.health = health;
    this.timers = timers;
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.dirty = new DirtyTracker(settings.maxDirty());
    this.node = node;
    this.opened = opened;
    this.cipher = new BlobCipher(key);
    this.tables = new ClusterTables(workspaceId);
    this.lane = node.database().lane();
    this.executor = context.getExecutionContext();
    this.cacheCloseReplies = adaptCacheClose(context);
    node.listen(workspaceId, context.getSelf()); // before any entity can start and report
    this.region = node.startEntities(workspaceId, cipher, settings);
    this.cache = context.spawn(
        DbGateway.create("workspace '" + workspaceId + "' block cache",
            () -> CacheStore.open(settings.workspaceDir(workspaceId), settings.durability(), cipher, settings.blockLimit()),
            settings.maxBatch(), settings.maxDelay(), context.getSelf().narrow(), health),
        "cache", DispatcherSelector.fromConfig(settings.gatewayDispatcher()));
    context.pipeToSelf(node.schemaReady().thenCompose(ready -> lane.submit("opening workspace '" + workspaceId + "'",
            connection -> tables.openWorkspace(connection, cipher.seal(KEY_CHECK_ID, KEY_CHECK_PLAINTEXT))))
        .thenAccept(this::verifyKey), (ok, error) -> new KeyChecked(error));
  }

  @Override
  public Receive<StorageCommand> createReceive() {
    return newReceiveBuilder()
        .onMessage(KeyChecked.class, this::onKeyChecked)
        .onMessage(DbGateway.Opened.class, opened -> {
          cacheOpen = true;
          return maybeOpen();
        })
        .onMessage(DbGateway.Failed.class, failed -> phase == Phase.OPENING ? failOpen(failed.cause()) : fail(failed.cause()))
        .onMessage(Close.class, this::onClose)
        .onMessage(Request.class, request -> phase != Phase.OPEN, this::onRequestWhenNotOpen)
        .onMessage(SetManifest.class, this::onSetManifest)
        .onMessage(ManifestCommand.class, this::onManifestCommand)
        .onMessage(GetChunk.class, this::onGetChunk)
        .onMessage(SetChunk.class, this::onSetChunk)
        .onMessage(ClearChunk.class, this::onClearChunk)
        .onMessage(GetLocalChunkIds.class, this::onGetLocalChunkIds)
        .onMessage(GetBlock.class, this::onGetBlock)
        .onMessage(SetBlock.class, this::onSetBlock)
        .onMessage(ClearBlock.class, this::onClearBlock)
        .onMessage(GetNeedSyncEntries.class, this::onGetNeedSyncEntries)
        .onMessage(GetRealmCheckpoint.class, this::onGetRealmCheckpoint)
        .onMessage(UpdateRealmCheckpoint.class, this::onUpdateRealmCheckpoint)
        .onMessage(GetPreventSyncPattern.class, this::onGetPreventSyncPattern)
        .onMessage(SetPreventSyncPattern.class, this::onSetPreventSyncPattern)
        .onMessage(MarkPreventSyncPatternFullyApplied.class, this::onMarkPreventSyncPatternFullyApplied)
        .onMessage(ClearMemoryCache.class, this::onClearMemoryCache)
        .onMessage(RunVacuum.class, request -> {
          request.replyTo().tell(StatusReply.ack()); // PostgreSQL's autovacuum keeps the shared tables
          return this;
        })
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(ManifestEntity.Dirty.class, this::onDirty)
        .onMessage(ManifestEntity.Clean.class, clean -> {
          dirty.forget(clean.id());
          return this;
        })
        .onMessage(ManifestEntity.Idle.class, idle -> this) // the shard passivates entities here
        .onMessage(ManifestEntity.Started.class, started -> {
          hosted.put(started.id(), started.entity());
          return this;
        })
        .onMessage(ManifestEntity.Stopped.class, this::onEntityStopped)
        .onMessage(CacheClosed.class, this::onCacheClosed)
        .onMessageEquals(Linger.OVER, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> {
          node.stopListening(workspaceId, getContext().getSelf()); // however it stopped
          return this;
        })
        .build();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ActorRef<StatusReply<Done>> adaptCacheClose(ActorContext<StorageCommand> context) {
    return (ActorRef) context.messageAdapter(StatusReply.class,
        reply -> new CacheClosed(reply.isError() ? reply.getError() : null));
  }

  // ---------------------------------------------------------------------------------------------
  // Opening

  private void verifyKey(byte[] storedCheck) {
    try {
      cipher.open(KEY_CHECK_ID, storedCheck);
    } catch (CorruptEntryException e) {
      throw new InvalidRequestException("workspace '" + workspaceId + "' is stored in the cluster's database under"
          + " another key: this is not the key it was created with", e);
    }
  }

  private Behavior<StorageCommand> onKeyChecked(KeyChecked checked) {
    if (checked.error() != null) {
      return failOpen(unwrap(checked.error()));
    }
    keyChecked = true;
    return maybeOpen();
  }

  private Behavior<StorageCommand> maybeOpen() {
    if (phase == Phase.OPENING && keyChecked && cacheOpen) {
      phase = Phase.OPEN;
      getContext().getLog().info("workspace '{}' open in cluster mode", workspaceId);
      opened.complete(Done.getInstance());
      if (!closeWaiters.isEmpty()) {
        beginClose();
      }
    }
    return this;
  }

  private Behavior<StorageCommand> failOpen(Throwable cause) {
    if (phase != Phase.OPENING) {
      getContext().getLog().error("workspace '{}': block cache failed: {}", workspaceId, cause.getMessage());
      return this;
    }
    StorageException error = cause instanceof StorageException e ? e
        : new StorageFailedException("workspace '" + workspaceId + "' could not be opened: " + cause, cause);
    opened.completeExceptionally(error);
    closeWaiters.forEach(replyTo -> replyTo.tell(StatusReply.error(error)));
    closeWaiters.clear();
    node.unregister(workspaceId, getContext().getSelf());
    node.stopListening(workspaceId, getContext().getSelf());
    return Behaviors.stopped(); // the gateway, a child, closes its file as it stops
  }

  private Behavior<StorageCommand> onRequestWhenNotOpen(Request request) {
    Replies.error(request, switch (phase) {
      case OPENING -> new StorageClosedException("workspace '" + workspaceId + "' is not open yet");
      case FAILED -> health.forNextCall();
      default -> closedError();
    });
    return this;
  }

  /**
   * INV-6 for this node: the block cache failed after open. The gateway recorded the failure in
   * {@link #health} before it answered anyone, so this node's façade refuses every later call; this
   * supervisor refuses what was already on its way. The entities hosted here keep their values in
   * PostgreSQL and serve the other nodes; they are flushed and stopped at close, which releases the
   * cache file and answers with the failure.
   */
  private Behavior<StorageCommand> fail(StorageException cause) {
    if (phase == Phase.OPEN) {
      phase = Phase.FAILED;
      health.record(cause);
      getContext().getLog().error("workspace '{}' failed on this node: {}", workspaceId, cause.getMessage());
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  private Behavior<StorageCommand> onSetManifest(SetManifest command) {
    if (!invalid(command, () -> RequestValidation.manifest(command.id(), command.manifest(), command.removedChunkIds()))) {
      toEntity(command.id(), command);
    }
    return this;
  }

  private Behavior<StorageCommand> onManifestCommand(ManifestCommand command) {
    if (!invalid(command, () -> Require.nonNull(command.id(), "entry id"))) {
      toEntity(command.id(), command);
    }
    return this;
  }

  private void toEntity(EntryId id, StorageCommand command) {
    region.tell(new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, id), command));
  }

  private Behavior<StorageCommand> onDirty(ManifestEntity.Dirty reported) {
    dirty.reported(reported.id(), reported.needSync(), reported.deleted());
    for (EntryId id : dirty.overMax(id -> true)) { // the shard reaches every entity
      toEntity(id, ManifestEntity.Control.FLUSH);
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Chunks: PostgreSQL (sealed and opened on the gateway's threads, in the lane's order)

  private Behavior<StorageCommand> onGetChunk(GetChunk request) {
    ChunkId id = request.id();
    if (!invalid(request, () -> Require.nonNull(id, "chunk id"))) {
      reply(read("get chunk", connection -> cipher.open(BlobCipher.Kind.CHUNK, id,
          tables.getChunk(connection, id).orElseThrow(() -> EntryMissingException.chunk(id)))), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onSetChunk(SetChunk request) {
    ChunkId id = request.id();
    byte[] data = request.data();
    if (!invalid(request, () -> RequestValidation.payload(id, data, settings.maxChunkSize(), "chunk"))) {
      reply(write("set chunk", connection -> {
        tables.putChunk(connection, id, data.length, cipher.seal(BlobCipher.Kind.CHUNK, id, data));
        return Done.getInstance();
      }), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onClearChunk(ClearChunk request) {
    ChunkId id = request.id();
    if (!invalid(request, () -> Require.nonNull(id, "chunk id"))) {
      reply(write("clear chunk", connection -> {
        if (!tables.deleteChunk(connection, id)) {
          throw EntryMissingException.chunk(id);
        }
        return Done.getInstance();
      }), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onGetLocalChunkIds(GetLocalChunkIds request) {
    List<ChunkId> ids = request.ids();
    if (!invalid(request, () -> RequestValidation.chunkIds(ids, "chunk ids"))) {
      reply(read("get local chunk ids", connection -> tables.presentChunks(connection, ids)), request.replyTo());
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Blocks: the node-local SQLite cache (sealed here, never on the gateway's thread)

  private Behavior<StorageCommand> onGetBlock(GetBlock request) {
    ChunkId id = request.id();
    if (!invalid(request, () -> Require.nonNull(id, "block id"))) {
      CompletionStage<byte[]> sealed = AskPattern.askWithStatus(cache,
          replyTo -> new DbGateway.Execute<CacheStore, byte[]>(DbGateway.Mode.READ_WRITE, "get block",
              store -> store.getBlock(id).orElseThrow(() -> EntryMissingException.block(id)), replyTo),
          settings.askTimeout(), getContext().getSystem().scheduler());
      reply(sealed.thenApplyAsync(bytes -> cipher.open(BlobCipher.Kind.BLOCK, id, bytes), executor), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onSetBlock(SetBlock request) {
    ChunkId id = request.id();
    byte[] data = request.data();
    if (!invalid(request, () -> RequestValidation.payload(id, data, settings.maxChunkSize(), "block"))) {
      byte[] sealed = cipher.seal(BlobCipher.Kind.BLOCK, id, data);
      cache.tell(new DbGateway.Execute<CacheStore, Done>(DbGateway.Mode.WRITE, "set block", store -> {
        store.putBlock(id, data.length, sealed);
        return Done.getInstance();
      }, request.replyTo()));
    }
    return this;
  }

  private Behavior<StorageCommand> onClearBlock(ClearBlock request) {
    ChunkId id = request.id();
    if (!invalid(request, () -> Require.nonNull(id, "block id"))) {
      cache.tell(new DbGateway.Execute<CacheStore, Done>(DbGateway.Mode.WRITE, "clear block", store -> {
        store.deleteBlock(id);
        return Done.getInstance();
      }, request.replyTo()));
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // The workspace

  private Behavior<StorageCommand> onGetNeedSyncEntries(GetNeedSyncEntries request) {
    NeedSyncOverlay cached = dirty.needSyncOverlay(); // INV-5, for the entries this node caches
    reply(read("need-sync", tables::needSync).thenApply(stored -> cached.over(stored.local(), stored.remote())),
        request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onGetRealmCheckpoint(GetRealmCheckpoint request) {
    reply(read("get realm checkpoint", tables::realmCheckpoint), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onUpdateRealmCheckpoint(UpdateRealmCheckpoint request) {
    long checkpoint = request.checkpoint();
    Map<EntryId, Long> changed = request.changedVlobs();
    if (!invalid(request, () -> RequestValidation.realmCheckpoint(checkpoint, changed))) {
      reply(write("update realm checkpoint", connection -> {
        tables.updateRealmCheckpoint(connection, checkpoint, changed);
        return Done.getInstance();
      }), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onGetPreventSyncPattern(GetPreventSyncPattern request) {
    reply(read("get prevent-sync pattern", tables::preventSyncPattern), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onSetPreventSyncPattern(SetPreventSyncPattern request) {
    String regex = request.regex();
    if (!invalid(request, () -> RequestValidation.regex(regex))) {
      reply(write("set prevent-sync pattern", connection -> {
        tables.setPreventSyncPattern(connection, regex);
        return Done.getInstance();
      }), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onMarkPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request) {
    String regex = request.regex();
    if (!invalid(request, () -> RequestValidation.regex(regex))) {
      reply(write("mark prevent-sync pattern applied", connection -> {
        tables.markPreventSyncPatternFullyApplied(connection, regex);
        return Done.getInstance();
      }), request.replyTo());
    }
    return this;
  }

  private Behavior<StorageCommand> onGetStats(GetStats request) {
    int dirtyCount = dirty.size();
    DatabaseStats data = new DatabaseStats(0, writes.get(), writes.get(), reads.get(), writes.get() > 0 ? 1 : 0, 0);
    int live = hosted.size();
    CompletableFuture<DatabaseStats> cacheStats = AskPattern.<DbGateway.Command, DatabaseStats>askWithStatus(
        cache, DbGateway.GetStats::new, settings.askTimeout(), getContext().getSystem().scheduler()).toCompletableFuture();
    CompletableFuture<CacheStore.BlockCounters> blocks = AskPattern.<DbGateway.Command, CacheStore.BlockCounters>askWithStatus(
        cache, replyTo -> new DbGateway.Execute<CacheStore, CacheStore.BlockCounters>(
            DbGateway.Mode.READ, "block counters", CacheStore::counters, replyTo),
        settings.askTimeout(), getContext().getSystem().scheduler()).toCompletableFuture();
    reply(CompletableFuture.allOf(cacheStats, blocks).thenApply(all -> {
      CacheStore.BlockCounters counters = blocks.join();
      return new StorageStats(workspaceId, live, dirtyCount, data, cacheStats.join(),
          counters.blocks(), counters.limit(), counters.hits(), counters.misses(), counters.evictions());
    }), request.replyTo());
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Dropping the entities hosted here: clearMemoryCache and close

  private Behavior<StorageCommand> onClearMemoryCache(ClearMemoryCache request) {
    drainHostedEntities(request.flush(), () -> request.replyTo().tell(StatusReply.ack()));
    return this;
  }

  /**
   * Asks every entity of this workspace hosted on this node to passivate (flushing, or discarding
   * first); {@code drained} runs once each has reported its stop ({@link EntityHost#stopped}).
   */
  private void drainHostedEntities(boolean flush, Runnable drained) {
    ManifestEntity.Control how = flush ? ManifestEntity.Control.PASSIVATE : ManifestEntity.Control.DISCARD_AND_PASSIVATE;
    Set<ActorRef<StorageCommand>> remaining = new HashSet<>(hosted.values());
    hosted.forEach((id, entity) -> {
      if (!flush) {
        dirty.forget(id); // INV-11: dropped unwritten
      }
      entity.tell(how);
    });
    if (!drains.await(remaining, drained)) {
      drained.run();
    }
  }

  private Behavior<StorageCommand> onEntityStopped(ManifestEntity.Stopped stopped) {
    hosted.remove(stopped.id(), stopped.entity());
    dirty.forget(stopped.id()); // a stopped entity holds nothing dirty any more (it flushed, or dropped it)
    drains.stopped(stopped.entity()).forEach(Runnable::run);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  private Behavior<StorageCommand> onClose(Close request) {
    switch (phase) {
      case OPENING, CLOSING -> closeWaiters.add(request.replyTo());
      case OPEN, FAILED -> {
        closeWaiters.add(request.replyTo());
        beginClose();
      }
      case CLOSED -> request.replyTo().tell(health.failed() ? StatusReply.error(health.forNextCall()) : StatusReply.ack());
    }
    return this;
  }

  /** INV-10 for this node: the entities it hosts flush and stop, then the block cache closes. */
  private void beginClose() {
    phase = Phase.CLOSING;
    node.unregister(workspaceId, getContext().getSelf());
    drainHostedEntities(true, () -> cache.tell(new DbGateway.Close(cacheCloseReplies))); // the block cache goes last
  }

  private Behavior<StorageCommand> onCacheClosed(CacheClosed closed) {
    phase = Phase.CLOSED;
    node.stopListening(workspaceId, getContext().getSelf());
    getContext().getLog().info("workspace '{}' closed on this node", workspaceId);
    // After a failure the close says so, so that it is not mistaken for a clean shutdown.
    Throwable error = closed.error() != null ? unwrap(closed.error()) : health.forNextCall();
    closeWaiters.forEach(replyTo -> replyTo.tell(error == null ? StatusReply.ack() : StatusReply.error(error)));
    closeWaiters.clear();
    timers.startSingleTimer(Linger.OVER, settings.askTimeout());
    return this;
  }

  private StorageException closedError() {
    return new StorageClosedException("workspace '" + workspaceId + "' is closed");
  }

  // ---------------------------------------------------------------------------------------------
  // Answering

  private <T> CompletionStage<T> read(String what, ClusterDatabase.Sql<T> work) {
    reads.incrementAndGet();
    return lane.submit(what + " in workspace '" + workspaceId + "'", work);
  }

  private <T> CompletionStage<T> write(String what, ClusterDatabase.Sql<T> work) {
    writes.incrementAndGet();
    return lane.submit(what + " in workspace '" + workspaceId + "'", work);
  }

  /** Answers {@code replyTo} when {@code result} completes, on the dispatcher (never a JDBC thread). */
  private <T> void reply(CompletionStage<T> result, ActorRef<StatusReply<T>> replyTo) {
    result.whenCompleteAsync((value, error) -> replyTo.tell(
        error == null ? StatusReply.success(value) : StatusReply.error(unwrap(error))), executor);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static boolean invalid(Request request, Runnable check) {
    try {
      check.run();
      return false;
    } catch (StorageException e) {
      Replies.error(request, e);
      return true;
    }
  }
}
