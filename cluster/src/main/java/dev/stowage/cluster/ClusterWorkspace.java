package dev.stowage.cluster;

import dev.stowage.actors.ActorWorkspaceStorage;
import dev.stowage.actors.CacheOperations;
import dev.stowage.actors.DbGateway;
import dev.stowage.actors.FileGateways;
import dev.stowage.actors.EntityWorkspace;
import dev.stowage.actors.ManifestEntity;
import dev.stowage.actors.ManifestRoute;
import dev.stowage.actors.NeedSyncOverlay;
import dev.stowage.actors.Payloads;
import dev.stowage.actors.PublishedManifests;
import dev.stowage.actors.Replies;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceBackend;
import dev.stowage.actors.WorkspaceHealth;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
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
 * {@link dev.stowage.actors.WorkspaceSupervisor} as local mode.
 *
 * <ul>
 *   <li>Manifest commands go to the workspace's sharded {@link ManifestEntity}s, wherever Cluster
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

  private record KeyChecked(Throwable error) implements WorkspaceBackend.Message {}

  private record CacheClosed(Throwable error) implements WorkspaceBackend.Message {}

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
  private final ClusterDatabase.SqlLane lane;
  private final Executor executor;
  private final ActorRef<ShardingEnvelope<Object>> region;
  private final FileGateways<CacheStore> cache;
  /** The block path of local mode, over this node's block cache. */
  private final Payloads<CacheStore> blocks;
  private final HostedEntities hosted;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  /** Asks the workspace's other nodes, for need-sync and clearMemoryCache. */
  private final WorkspacePeers peers;
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
    this.lane = node.database().lane();
    this.executor = context.getExecutionContext();
    this.hosted = new HostedEntities(settings.maxDirty(), id -> toEntity(id, ManifestEntity.Control.FLUSH));
    node.listen(workspaceId, context.getSelf().narrow()); // before any entity can start and report
    this.region = node.startEntities(workspaceId, cipher, settings);
    String cacheName = "workspace '" + workspaceId + "' block cache";
    this.cache = new FileGateways<>(cacheName, context.spawn(
        DbGateway.create(cacheName,
            () -> CacheStore.open(settings.workspaceDir(workspaceId), settings.durability(), cipher, settings.blockLimit()),
            settings.maxBatch(), settings.maxDelay(), context.getSelf().narrow(), health),
        "cache", DispatcherSelector.fromConfig(settings.gatewayDispatcher())),
        context.getSystem().scheduler(), settings.askTimeout());
    this.blocks = Payloads.blocks(context, cache, cipher);
    this.peers = new WorkspacePeers(context.getSystem(), workspaceId, settings.askTimeout());
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
    return new ActorWorkspaceStorage(workspaceId, supervisor, context.getSystem().scheduler(),
        context.getExecutionContext(), settings, new EntityWorkspace(PublishedManifests.NONE, health),
        new ManifestRoute(region.unsafeUpcast(),
            command -> new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, command.id()), command)));
  }

  // ---------------------------------------------------------------------------------------------
  // Serving

  @Override
  public void serve(StorageCommand.Request request) {
    if (request instanceof ManifestCommand command) {
      toEntity(command.id(), command);
    } else if (request instanceof GetChunk get) {
      ChunkId id = get.id();
      reply(read("get chunk", connection -> cipher.open(BlobCipher.Kind.CHUNK, id,
          tables.getChunk(connection, id).orElseThrow(() -> EntryMissingException.chunk(id)))), get.replyTo());
    } else if (request instanceof SetChunk set) {
      ChunkId id = set.id();
      byte[] data = set.data();
      reply(write("set chunk", connection ->
          tables.putChunk(connection, id, data.length, cipher.seal(BlobCipher.Kind.CHUNK, id, data))), set.replyTo());
    } else if (request instanceof ClearChunk clear) {
      ChunkId id = clear.id();
      reply(write("clear chunk", connection -> {
        if (!tables.deleteChunk(connection, id)) {
          throw EntryMissingException.chunk(id);
        }
      }), clear.replyTo());
    } else if (request instanceof GetLocalChunkIds get) {
      reply(read("get local chunk ids", connection -> tables.presentChunks(connection, get.ids())), get.replyTo());
    } else if (request instanceof GetBlock get) {
      blocks.get(get.id(), false, get.replyTo());
    } else if (request instanceof SetBlock set) {
      blocks.set(set.id(), set.data(), set.replyTo());
    } else if (request instanceof ClearBlock clear) {
      blocks.clear(clear.id(), clear.replyTo());
    } else if (request instanceof GetNeedSyncEntries get) {
      // INV-5 across nodes: every node's dirty entries, gathered before the rows are read (an entry
      // flushed meanwhile is in the rows, one still dirty is in the overlay)
      NeedSyncOverlay cached = hosted.dirty().needSyncOverlay();
      reply(peers.dirtyElsewhere(cached).thenCompose(overlay -> read("need-sync", tables::needSync)
          .thenApply(stored -> overlay.over(stored.local(), stored.remote()))), get.replyTo());
    } else if (request instanceof GetRealmCheckpoint get) {
      reply(read("get realm checkpoint", tables::realmCheckpoint), get.replyTo());
    } else if (request instanceof UpdateRealmCheckpoint update) {
      reply(write("update realm checkpoint",
          connection -> tables.updateRealmCheckpoint(connection, update.checkpoint(), update.changedVlobs())),
          update.replyTo());
    } else if (request instanceof GetPreventSyncPattern get) {
      reply(read("get prevent-sync pattern", tables::preventSyncPattern), get.replyTo());
    } else if (request instanceof SetPreventSyncPattern set) {
      reply(write("set prevent-sync pattern", connection -> tables.setPreventSyncPattern(connection, set.regex())),
          set.replyTo());
    } else if (request instanceof MarkPreventSyncPatternFullyApplied mark) {
      reply(write("mark prevent-sync pattern applied",
          connection -> tables.markPreventSyncPatternFullyApplied(connection, mark.regex())), mark.replyTo());
    } else if (request instanceof RunVacuum vacuum) {
      vacuum.replyTo().tell(StatusReply.ack()); // PostgreSQL's autovacuum keeps the shared tables
    } else if (request instanceof GetStats stats) {
      stats(stats);
    } else {
      Replies.error(request, new IllegalStateException("the supervisor serves " + request.getClass().getSimpleName()));
    }
  }

  private void toEntity(EntryId id, Object command) {
    region.tell(new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, id), command));
  }

  private void stats(GetStats request) {
    int live = hosted.live();
    int dirtyCount = hosted.dirty().size();
    DatabaseStats data = new DatabaseStats(0, writes.get(), writes.get(), reads.get(), writes.get() > 0 ? 1 : 0, 0);
    CompletableFuture<DatabaseStats> cacheStats = cache.<DatabaseStats>ask(cache.writer(), DbGateway.GetStats::new)
        .toCompletableFuture();
    CompletableFuture<CacheStore.BlockCounters> blockCounters = cache.ask(cache.writer(), CacheOperations.counters())
        .toCompletableFuture();
    reply(CompletableFuture.allOf(cacheStats, blockCounters).thenApply(all -> {
      CacheStore.BlockCounters counters = blockCounters.join();
      return new StorageStats(workspaceId, live, dirtyCount, data, cacheStats.join(),
          counters.blocks(), counters.limit(), counters.hits(), counters.misses(), counters.evictions());
    }), request.replyTo());
  }

  // ---------------------------------------------------------------------------------------------
  // Messages, entities, release

  @Override
  public void onMessage(WorkspaceBackend.Message message, StorageException refusal) {
    if (hosted.onMessage(message) || Payloads.onMessage(message, health.cause())) {
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
        Throwable cause = Replies.unwrap(checked.error());
        events.failed(cause instanceof StorageException e ? e
            : new StorageFailedException("workspace '" + workspaceId + "' could not be opened: " + cause, cause));
      } else {
        keyChecked = true;
        maybeOpened();
      }
    } else if (message instanceof DbGateway.Opened) {
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
        done.accept(error == null ? StatusReply.ack() : StatusReply.error(Replies.unwrap(error))));
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
      cache.closeWriter(Replies.adapter(context, reply -> new CacheClosed(reply.isError() ? reply.getError() : null)));
    }
  }

  @Override
  public void stopped() {
    node.stopListening(workspaceId, context.getSelf().narrow()); // however it stopped
  }

  @Override
  public String toString() {
    return "in cluster mode";
  }

  // ---------------------------------------------------------------------------------------------
  // PostgreSQL

  @FunctionalInterface
  private interface SqlWrite {
    void run(java.sql.Connection connection) throws java.sql.SQLException;
  }

  private <T> CompletionStage<T> read(String what, ClusterDatabase.Sql<T> work) {
    reads.incrementAndGet();
    return lane.submit(what + " in workspace '" + workspaceId + "'", work);
  }

  private CompletionStage<Done> write(String what, SqlWrite work) {
    writes.incrementAndGet();
    return lane.submit(what + " in workspace '" + workspaceId + "'", connection -> {
      work.run(connection);
      return Done.getInstance();
    });
  }

  /**
   * Answers {@code replyTo} when {@code result} completes, on the dispatcher (never a JDBC thread).
   * A {@link StorageFailedException} (PostgreSQL unreachable, or a statement it refused) fails the
   * workspace on this node (INV-6): recorded in its health before the caller hears of it, so that
   * every call made after this answer fails the same way.
   */
  private <T> void reply(CompletionStage<T> result, ActorRef<StatusReply<T>> replyTo) {
    Replies.when(result.whenComplete((value, error) -> {
      if (error != null && Replies.unwrap(error) instanceof StorageFailedException failure) {
        health.record(failure);
        events.failed(failure);
      }
    }), replyTo, executor);
  }
}
