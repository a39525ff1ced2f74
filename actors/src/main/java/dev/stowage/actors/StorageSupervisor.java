package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.PreventSyncPattern;
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
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * One open workspace: spawns its {@link DatabaseGateways} (a writer per database file, readers
 * beside them) and its {@link ManifestEntity}s, routes every {@link StorageCommand}, and owns the
 * workspace's lifecycle.
 *
 * <h2>Routing</h2>
 *
 * Manifest commands go to the entity of their id, spawned on demand; once it runs, the façade
 * reaches it straight through the {@link EntityDirectory} and only commands for ids without a live
 * entity come here. Chunk and block writes and clears go to their file's writer, sealed first on
 * this actor's dispatcher and sent in the order they arrived ({@link InOrder}); their reads go to a
 * reader ({@link PayloadReads}). Hot manifest reads never come here ({@link PublishedManifests}).
 * Payloads are encrypted before, and decrypted after, the gateway, on this actor's dispatcher (never
 * on the caller's thread, never on a gateway thread: an ask completes on the gateway's thread, so
 * every continuation here is {@code *Async}).
 *
 * <h2>Entities</h2>
 *
 * <ul>
 *   <li><b>Passivation and max-active (INV-18).</b> An idle entity asks to stop; the supervisor
 *       marks it stopping, closes its directory handle, buffers every command for its id, sends it
 *       {@code FLUSH_AND_STOP} once no caller is inside the handle, and delivers the buffer to a
 *       successor once it has terminated. At most {@code entity.max-active} entities live: a command
 *       for a new id beyond that waits until the least recently used entity has been passivated
 *       (one reached or read without this supervisor since it was last considered gets a second
 *       chance).
 *   <li><b>Max-dirty and need-sync (INV-5).</b> Entities report becoming dirty (changed and not
 *       yet sent to be written) and clean; the {@link DirtyTracker} holds both rules: past {@code
 *       cache.max-dirty} the oldest live ones are asked to flush, and their reported need-sync is
 *       laid over the database's answer to a need-sync query.
 * </ul>
 *
 * <h2>Lifecycle</h2>
 *
 * OPENING (the writers open their files, then their readers) → OPEN → CLOSING (every entity
 * flushes and stops, then every gateway commits and closes: INV-10) → CLOSED (calls answered with
 * {@link StorageClosedException} for {@code ask-timeout}, then the actor stops). A gateway failure
 * moves any phase to FAILED (INV-6): it is recorded in the {@link WorkspaceHealth} first, so no
 * later call succeeds, not even a read from memory; entities stop without writing, everything
 * pending and later is answered with the failure, every file is released so the workspace can be
 * reopened.
 */
public final class StorageSupervisor extends AbstractBehavior<StorageCommand> {

  /** What the supervisor tells whoever spawned it. */
  public sealed interface Lifecycle extends WorkspaceRegistry.Command permits Opened, OpenFailed, Closing, Released {}

  /**
   * Open; {@code readPath} is what the façade may read without asking (hot manifests, failure),
   * {@code directory} the entities it may reach without this supervisor.
   */
  public record Opened(Path dir, ManifestEntity.Workspace readPath, EntityDirectory directory, DirectReads reads)
      implements Lifecycle {}

  /** Could not open; both files are released already. */
  public record OpenFailed(Path dir, StorageException cause) implements Lifecycle {}

  public record Closing(Path dir) implements Lifecycle {}

  /** Both files are closed (after close or failure): the workspace may be opened again. */
  public record Released(Path dir) implements Lifecycle {}

  /** Runs work on the data store (tests, tools): answered like a read. */
  record OnDataStore<R>(DbGateway.Work<DataStore, R> work, ActorRef<StatusReply<R>> replyTo)
      implements StorageCommand.Internal {}

  /** Runs work on the cache store (tests, tools): answered like a read. */
  record OnCacheStore<R>(DbGateway.Work<CacheStore, R> work, ActorRef<StatusReply<R>> replyTo)
      implements StorageCommand.Internal {}

  private record EntityStopped(EntryId id) implements StorageCommand.Internal {}

  private record Sealed(
      BlobCipher.Kind kind, ChunkId id, int size, byte[] sealed, Throwable error, ActorRef<StatusReply<Done>> replyTo,
      InOrder.Slot slot)
      implements StorageCommand.Internal {}

  private record GatewayClosed(Throwable error) implements StorageCommand.Internal {}

  private enum Linger implements StorageCommand.Internal {
    OVER
  }

  private enum Phase {
    OPENING,
    OPEN,
    CLOSING,
    CLOSED,
    FAILED
  }

  /** The database rows behind a need-sync query. */
  private record NeedSyncRows(Set<EntryId> local, Set<EntryId> remote) {}

  private static final class EntitySlot {
    final ActorRef<StorageCommand> ref;
    /** How callers reach the entity without this supervisor (see {@link EntityDirectory}). */
    EntityDirectory.Handle handle;
    boolean stopping;
    /** The stop (or Fail) to send once the last caller inside the closed handle has left. */
    StorageCommand pendingStop;
    List<ManifestCommand> buffer = List.of();

    EntitySlot(ActorRef<StorageCommand> ref) {
      this.ref = ref;
    }

    void buffer(ManifestCommand command) {
      if (buffer.isEmpty()) {
        buffer = new ArrayList<>();
      }
      buffer.add(command);
    }
  }


  public static Behavior<StorageCommand> create(
      String workspaceId, LocalKey key, StorageSettings settings, ActorRef<Lifecycle> owner) {
    return Behaviors.setup(context -> Behaviors.withTimers(
        timers -> new StorageSupervisor(context, timers, workspaceId, key, settings, owner)));
  }

  private final TimerScheduler<StorageCommand> timers;
  private final String workspaceId;
  private final Path dir;
  private final StorageSettings settings;
  private final BlobCipher cipher;
  private final ActorRef<Lifecycle> owner;
  private final Executor executor;
  private final DatabaseGateways gateways;
  private final PayloadReads reads;
  private final WorkspaceStatsQuery statsQuery;
  private final ActorRef<DbGateway.Command> data;
  private final ActorRef<DbGateway.Command> cache;
  private final ActorRef<StatusReply<Done>> gatewayCloseReplies;
  private final DispatcherSelector entityDispatcher;
  /** Shared with the entities, the gateways and the façade: hot values, and whether the workspace failed. */
  private final ManifestEntity.Workspace shared = new ManifestEntity.Workspace(
      PublishedManifests.create(), new WorkspaceHealth());
  /** Shared with the façade: the live entities it may reach without this supervisor. */
  private final EntityDirectory directory = EntityDirectory.create();

  private Phase phase = Phase.OPENING;
  private StorageException failure;
  private final List<ActorRef<StatusReply<Done>>> closeWaiters = new ArrayList<>();

  /** Live entities, stopping ones included. */
  private final Map<EntryId, EntitySlot> entities = new HashMap<>();
  /** The ids of {@link #entities}, least recently routed to first. */
  private final LinkedHashSet<EntryId> leastRecentlyUsed = new LinkedHashSet<>();
  private int stoppingEntities;
  /** Commands for ids that wait for an entity slot (max-active reached), oldest id first. */
  private final LinkedHashMap<EntryId, List<ManifestCommand>> waitingForSlot = new LinkedHashMap<>();
  /** Max-dirty and the need-sync overlay (INV-5). */
  private final DirtyTracker dirty;
  /** clearMemoryCache calls waiting for the entities they stop. */
  private final StopWaiters<EntryId, ActorRef<StatusReply<Done>>> clearWaiters = new StopWaiters<>();

  @SuppressWarnings({"unchecked", "rawtypes"})
  private StorageSupervisor(
      ActorContext<StorageCommand> context,
      TimerScheduler<StorageCommand> timers,
      String workspaceId,
      LocalKey key,
      StorageSettings settings,
      ActorRef<Lifecycle> owner) {
    super(context);
    this.timers = timers;
    this.workspaceId = workspaceId;
    this.dir = settings.workspaceDir(workspaceId);
    this.settings = settings;
    this.cipher = new BlobCipher(key);
    this.owner = owner;
    this.executor = context.getExecutionContext();
    this.dirty = new DirtyTracker(settings.maxDirty());
    this.entityDispatcher = DispatcherSelector.fromConfig(settings.dispatcher());
    this.gatewayCloseReplies = (ActorRef) context.messageAdapter(StatusReply.class,
        reply -> new GatewayClosed(reply.isError() ? reply.getError() : null));
    this.gateways = new DatabaseGateways(context, workspaceId, dir, settings, cipher, shared.failure(),
        context.getSelf().narrow());
    this.data = gateways.writer(DatabaseGateways.File.DATA);
    this.cache = gateways.writer(DatabaseGateways.File.CACHE);
    this.reads = new PayloadReads(gateways, cipher, executor);
    this.statsQuery = new WorkspaceStatsQuery(workspaceId, gateways, executor);
  }

  @Override
  public Receive<StorageCommand> createReceive() {
    return newReceiveBuilder()
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
        .onMessage(RunVacuum.class, this::onRunVacuum)
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(Sealed.class, this::onSealed)
        .onMessage(PayloadReads.BehindWrites.class, this::onBehindWrites)
        .onMessage(EntityDirectory.ViaSupervisor.class, this::onViaSupervisor)
        .onMessage(EntityDirectory.Drained.class, this::onDrained)
        .onMessage(DbGateway.Opened.class, this::onGatewayOpened)
        .onMessage(DbGateway.Failed.class, failed -> {
          fail(failed.cause());
          return this;
        })
        .onMessage(ManifestEntity.Dirty.class, this::onDirty)
        .onMessage(ManifestEntity.Clean.class, clean -> {
          dirty.forget(clean.id());
          return this;
        })
        .onMessage(ManifestEntity.Idle.class, this::onIdle)
        .onMessage(EntityStopped.class, this::onEntityStopped)
        .onMessage(GatewayClosed.class, this::onGatewayClosed)
        .onMessage(OnDataStore.class, this::onDataStore)
        .onMessage(OnCacheStore.class, this::onCacheStore)
        .onMessageEquals(Linger.OVER, Behaviors::stopped)
        .build();
  }

  private Behavior<StorageCommand> onRequestWhenNotOpen(Request request) {
    Replies.error(request, switch (phase) {
      case FAILED -> failure instanceof StorageFailedException f
          ? new StorageFailedException(f.getMessage(), f) : failure;
      case OPENING -> new StorageClosedException("workspace '" + workspaceId + "' is not open yet");
      default -> new StorageClosedException("workspace '" + workspaceId + "' is closed");
    });
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  private Behavior<StorageCommand> onSetManifest(SetManifest command) {
    if (!invalid(command, () -> RequestValidation.manifest(command.id(), command.manifest(), command.removedChunkIds()))) {
      route(command);
    }
    return this;
  }

  private Behavior<StorageCommand> onManifestCommand(ManifestCommand command) {
    if (!invalid(command, () -> Require.nonNull(command.id(), "entry id"))) {
      route(command);
    }
    return this;
  }

  private void route(ManifestCommand command) {
    EntryId id = command.id();
    EntitySlot slot = entities.get(id);
    if (slot != null) {
      leastRecentlyUsed.remove(id);
      leastRecentlyUsed.add(id);
      if (slot.stopping) {
        slot.buffer(command);
      } else {
        slot.ref.tell(command);
      }
      return;
    }
    List<ManifestCommand> waiting = waitingForSlot.get(id);
    if (waiting != null) {
      waiting.add(command);
    } else if (entities.size() < settings.maxActive()) {
      start(id, List.of(command));
    } else {
      waiting = new ArrayList<>();
      waiting.add(command);
      waitingForSlot.put(id, waiting);
      makeRoom();
    }
  }

  /**
   * Spawns the entity of {@code id}, sends it {@code first}, and only then lets callers reach it
   * directly: whatever they send comes after those commands.
   */
  private void start(EntryId id, List<ManifestCommand> first) {
    ActorRef<StorageCommand> ref = getContext().spawn(
        ManifestEntity.create(id, new GatewayManifestBackend(data, gateways.reader(DatabaseGateways.File.DATA)),
            cipher, getContext().getSelf().narrow(), settings.passivateAfter(), shared),
        "m-" + id, entityDispatcher);
    getContext().watchWith(ref, new EntityStopped(id));
    EntitySlot slot = new EntitySlot(ref);
    entities.put(id, slot);
    leastRecentlyUsed.add(id);
    first.forEach(ref::tell);
    slot.handle = directory.publish(id, ref);
  }

  /**
   * Passivates least recently used entities until every waiting id will have a slot. An entity
   * whose published value served reads since it was last considered gets a second chance: those
   * reads never passed through here, so the order alone does not know them.
   */
  private void makeRoom() {
    int needed = makeRoom(waitingForSlot.size() - stoppingEntities, true);
    if (needed > 0) {
      makeRoom(needed, false); // every candidate was read meanwhile: the least recently used of them go
    }
  }

  /** One pass over the LRU order; returns how many slots are still needed. */
  private int makeRoom(int needed, boolean secondChance) {
    List<EntryId> readMeanwhile = new ArrayList<>();
    for (Iterator<EntryId> lru = leastRecentlyUsed.iterator(); needed > 0 && lru.hasNext(); ) {
      EntryId id = lru.next();
      EntitySlot slot = entities.get(id);
      if (slot.stopping) {
        continue;
      }
      if (secondChance && (slot.handle.takeUsed()
          | shared.published().takeReadMark(id, PublishedManifests.READ_SINCE_LRU_CHECK))) {
        lru.remove();
        readMeanwhile.add(id);
        continue;
      }
      stop(slot, ManifestEntity.Control.FLUSH_AND_STOP);
      needed--;
    }
    leastRecentlyUsed.addAll(readMeanwhile); // most recently used now
    return needed;
  }

  private void stop(EntitySlot slot, ManifestEntity.Control how) {
    slot.stopping = true;
    stoppingEntities++;
    stopWhenDrained(slot, how);
  }

  /**
   * Closes the entity's handle and sends {@code how} once no caller is inside it (INV-18): every
   * command a caller sent it directly is then in its mailbox ahead of the stop.
   */
  private void stopWhenDrained(EntitySlot slot, StorageCommand how) {
    if (slot.handle.close()) {
      slot.ref.tell(how);
    } else {
      slot.pendingStop = how;
    }
  }

  private Behavior<StorageCommand> onDrained(EntityDirectory.Drained drained) {
    EntitySlot slot = entities.get(drained.id());
    if (slot != null && slot.handle == drained.handle() && slot.pendingStop != null) {
      slot.ref.tell(slot.pendingStop);
      slot.pendingStop = null;
    }
    return this;
  }

  /** A manifest command the façade counted on its way here: route it, then uncount it. */
  private Behavior<StorageCommand> onViaSupervisor(EntityDirectory.ViaSupervisor via) {
    ManifestCommand command = via.command();
    try {
      if (phase != Phase.OPEN) {
        return onRequestWhenNotOpen(command);
      }
      return command instanceof SetManifest set ? onSetManifest(set) : onManifestCommand(command);
    } finally {
      directory.routed(command.id());
    }
  }

  private Behavior<StorageCommand> onDirty(ManifestEntity.Dirty reported) {
    dirty.reported(reported.id(), reported.needSync(), reported.deleted());
    // Past max-dirty the oldest are asked to flush: those with a live entity to ask.
    for (EntryId id : dirty.overMax(entities::containsKey)) {
      entities.get(id).ref.tell(ManifestEntity.Control.FLUSH);
    }
    return this;
  }

  private Behavior<StorageCommand> onIdle(ManifestEntity.Idle idle) {
    EntitySlot slot = entities.get(idle.id());
    if (phase == Phase.OPEN && slot != null && !slot.stopping) {
      stop(slot, ManifestEntity.Control.FLUSH_AND_STOP);
    }
    return this;
  }

  private Behavior<StorageCommand> onEntityStopped(EntityStopped stopped) {
    EntryId id = stopped.id();
    EntitySlot slot = entities.remove(id);
    if (slot == null) {
      return this;
    }
    leastRecentlyUsed.remove(id);
    directory.remove(id, slot.handle);
    if (slot.stopping) {
      stoppingEntities--;
    }
    dirty.forget(id);
    clearWaiters.stopped(id).forEach(replyTo -> replyTo.tell(StatusReply.ack()));
    switch (phase) {
      case OPEN -> {
        if (!slot.buffer.isEmpty()) { // INV-18: what arrived while it stopped goes to its successor
          start(id, slot.buffer);
        }
        fillFreeSlots();
      }
      case CLOSING -> {
        slot.buffer.forEach(command -> Replies.error(command, closedError()));
        if (entities.isEmpty()) {
          closeGateways();
        }
      }
      default -> slot.buffer.forEach(command -> Replies.error(command, currentError()));
    }
    return this;
  }

  private void fillFreeSlots() {
    Iterator<Map.Entry<EntryId, List<ManifestCommand>>> waiting = waitingForSlot.entrySet().iterator();
    while (entities.size() < settings.maxActive() && waiting.hasNext()) {
      Map.Entry<EntryId, List<ManifestCommand>> next = waiting.next();
      waiting.remove();
      start(next.getKey(), next.getValue());
    }
    if (!waitingForSlot.isEmpty()) {
      makeRoom();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Chunks and blocks

  private Behavior<StorageCommand> onGetChunk(GetChunk request) {
    reads.getChunk(request);
    return this;
  }

  private Behavior<StorageCommand> onSetChunk(SetChunk request) {
    if (invalid(request, () -> RequestValidation.payload(request.id(), request.data(), settings.maxChunkSize(), "chunk"))) {
      return this;
    }
    seal(BlobCipher.Kind.CHUNK, request.id(), request.data(), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onClearChunk(ClearChunk request) {
    ChunkId id = request.id();
    if (invalid(request, () -> Require.nonNull(id, "chunk id"))) {
      return this;
    }
    gateways.execute(data, DbGateway.Mode.WRITE, "clear chunk", (DataStore store) -> {
      if (!store.chunks().delete(id)) {
        throw EntryMissingException.chunk(id);
      }
      return Done.getInstance();
    }, request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onGetLocalChunkIds(GetLocalChunkIds request) {
    reads.getLocalChunkIds(request);
    return this;
  }

  private Behavior<StorageCommand> onGetBlock(GetBlock request) {
    reads.getBlock(request);
    return this;
  }

  private Behavior<StorageCommand> onBehindWrites(PayloadReads.BehindWrites wrapped) {
    if (phase != Phase.OPEN) {
      return onRequestWhenNotOpen(wrapped.read());
    }
    reads.behindWrites(wrapped);
    return this;
  }

  private Behavior<StorageCommand> onSetBlock(SetBlock request) {
    if (invalid(request, () -> RequestValidation.payload(request.id(), request.data(), settings.maxChunkSize(), "block"))) {
      return this;
    }
    seal(BlobCipher.Kind.BLOCK, request.id(), request.data(), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onClearBlock(ClearBlock request) {
    ChunkId id = request.id();
    if (invalid(request, () -> Require.nonNull(id, "block id"))) {
      return this;
    }
    gateways.execute(cache, DbGateway.Mode.WRITE, "clear block", (CacheStore store) -> {
      store.deleteBlock(id);
      return Done.getInstance();
    }, request.replyTo());
    return this;
  }

  /**
   * Encrypts on the dispatcher, then comes back here to hand the sealed bytes to a gateway, in the
   * order the request arrived.
   */
  private void seal(BlobCipher.Kind kind, ChunkId id, byte[] plain, ActorRef<StatusReply<Done>> replyTo) {
    int size = plain.length;
    InOrder.Slot slot = gateways.reserve(fileOf(kind));
    getContext().pipeToSelf(
        CompletableFuture.supplyAsync(() -> cipher.seal(kind, id, plain), executor),
        (sealed, error) -> new Sealed(kind, id, size, sealed, error, replyTo, slot));
  }

  private Behavior<StorageCommand> onSealed(Sealed sealed) {
    DatabaseGateways.File file = fileOf(sealed.kind());
    if (sealed.error() != null) {
      gateways.fill(file, sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(Replies.unwrap(sealed.error()))));
    } else if (phase != Phase.OPEN && phase != Phase.CLOSING) { // closing: the gateways close behind it
      StorageException error = currentError();
      gateways.fill(file, sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(error)));
    } else if (sealed.kind() == BlobCipher.Kind.CHUNK) {
      gateways.fill(file, sealed.slot(), () -> data.tell(new DbGateway.Execute<DataStore, Done>(
          DbGateway.Mode.WRITE, "set chunk", store -> {
            store.chunks().put(sealed.id(), sealed.size(), sealed.sealed(), 0);
            return Done.getInstance();
          }, sealed.replyTo())));
    } else {
      gateways.fill(file, sealed.slot(), () -> cache.tell(new DbGateway.Execute<CacheStore, Done>(
          DbGateway.Mode.WRITE, "set block", store -> {
            store.putBlock(sealed.id(), sealed.size(), sealed.sealed());
            return Done.getInstance();
          }, sealed.replyTo())));
    }
    return this;
  }

  private static DatabaseGateways.File fileOf(BlobCipher.Kind kind) {
    return kind == BlobCipher.Kind.CHUNK ? DatabaseGateways.File.DATA : DatabaseGateways.File.CACHE;
  }

  // ---------------------------------------------------------------------------------------------
  // The workspace

  private Behavior<StorageCommand> onGetNeedSyncEntries(GetNeedSyncEntries request) {
    NeedSyncOverlay cached = dirty.needSyncOverlay(); // INV-5: the cache is authoritative for the local part
    CompletionStage<NeedSyncRows> rows = gateways.ask(data, DbGateway.Mode.READ, "need-sync",
        (DataStore store) -> new NeedSyncRows(store.vlobs().localNeedSync(), store.vlobs().remoteNeedSync()));
    reply(rows.thenApplyAsync(stored -> cached.over(stored.local(), stored.remote()), executor), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onGetRealmCheckpoint(GetRealmCheckpoint request) {
    gateways.execute(data, DbGateway.Mode.READ, "get realm checkpoint", (DataStore store) -> store.realmCheckpoint().get(),
        request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onUpdateRealmCheckpoint(UpdateRealmCheckpoint request) {
    long checkpoint = request.checkpoint();
    Map<EntryId, Long> changed = request.changedVlobs();
    if (invalid(request, () -> RequestValidation.realmCheckpoint(checkpoint, changed))) {
      return this;
    }
    gateways.execute(data, DbGateway.Mode.WRITE, "update realm checkpoint", (DataStore store) -> {
      store.updateRealmCheckpoint(checkpoint, changed);
      return Done.getInstance();
    }, request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onGetPreventSyncPattern(GetPreventSyncPattern request) {
    gateways.execute(data, DbGateway.Mode.READ, "get prevent-sync pattern", (DataStore store) -> {
      var state = store.preventSyncPattern().get();
      return new PreventSyncPattern(state.pattern(), state.fullyApplied());
    }, request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onSetPreventSyncPattern(SetPreventSyncPattern request) {
    String regex = request.regex();
    if (invalid(request, () -> RequestValidation.regex(regex))) {
      return this;
    }
    gateways.execute(data, DbGateway.Mode.WRITE, "set prevent-sync pattern", (DataStore store) -> {
      store.preventSyncPattern().set(regex);
      return Done.getInstance();
    }, request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onMarkPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request) {
    String regex = request.regex();
    if (invalid(request, () -> RequestValidation.regex(regex))) {
      return this;
    }
    gateways.execute(data, DbGateway.Mode.WRITE, "mark prevent-sync pattern applied", (DataStore store) -> {
      store.preventSyncPattern().markFullyApplied(regex);
      return Done.getInstance();
    }, request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onClearMemoryCache(ClearMemoryCache request) {
    Set<EntryId> affected = new HashSet<>();
    for (Map.Entry<EntryId, EntitySlot> entry : entities.entrySet()) {
      affected.add(entry.getKey());
      if (!entry.getValue().stopping) {
        stop(entry.getValue(), request.flush()
            ? ManifestEntity.Control.FLUSH_AND_STOP
            : ManifestEntity.Control.DISCARD_AND_STOP);
      }
    }
    if (!request.flush()) {
      affected.forEach(dirty::forget); // INV-11: their dirty values are dropped, unwritten
    }
    if (!clearWaiters.await(affected, request.replyTo())) {
      request.replyTo().tell(StatusReply.ack());
    }
    return this;
  }

  private Behavior<StorageCommand> onRunVacuum(RunVacuum request) {
    CompletionStage<Boolean> vacuumed = gateways.ask(data, replyTo -> new DbGateway.Vacuum(settings.vacuumThreshold(), replyTo));
    reply(vacuumed.thenApplyAsync(ignored -> Done.getInstance(), executor), request.replyTo());
    return this;
  }

  private Behavior<StorageCommand> onGetStats(GetStats request) {
    statsQuery.answer(request, entities.size(), dirty.size());
    return this;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Behavior<StorageCommand> onDataStore(OnDataStore request) {
    gateways.execute(data, DbGateway.Mode.READ, "tool work", request.work(), request.replyTo());
    return this;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Behavior<StorageCommand> onCacheStore(OnCacheStore request) {
    gateways.execute(cache, DbGateway.Mode.READ, "tool work", request.work(), request.replyTo());
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  private Behavior<StorageCommand> onGatewayOpened(DbGateway.Opened opened) {
    if (gateways.opened(getContext(), opened.database()) && phase == Phase.OPENING) {
      phase = Phase.OPEN;
      getContext().getLog().info("workspace '{}' open in {}", workspaceId, dir);
      owner.tell(new Opened(dir, shared, directory, directReads()));
      if (!closeWaiters.isEmpty()) {
        beginClose();
      }
    }
    return this;
  }

  /** INV-6: the workspace fails closed; nothing dirty is written; both files are released. */
  private void fail(StorageException cause) {
    if (phase == Phase.FAILED || phase == Phase.CLOSED) {
      return;
    }
    boolean opening = phase == Phase.OPENING;
    phase = Phase.FAILED;
    failure = cause;
    shared.failure().record(cause);
    if (!opening) {
      getContext().getLog().error("workspace '{}' failed and is closed: {}", workspaceId, cause.getMessage());
    }
    ManifestEntity.Fail stopWithoutWriting = new ManifestEntity.Fail(cause);
    for (EntitySlot slot : entities.values()) {
      if (slot.pendingStop != null) {
        slot.pendingStop = stopWithoutWriting; // still draining: fail instead of the stop it waits for
      } else if (slot.stopping) {
        slot.ref.tell(stopWithoutWriting); // drained and told to stop already
      } else {
        stopWhenDrained(slot, stopWithoutWriting);
      }
      slot.buffer.forEach(command -> Replies.error(command, cause));
      slot.buffer = List.of();
    }
    waitingForSlot.values().forEach(commands -> commands.forEach(command -> Replies.error(command, cause)));
    waitingForSlot.clear();
    clearWaiters.takeAll().forEach(replyTo -> replyTo.tell(StatusReply.error(cause)));
    closeWaiters.forEach(replyTo -> replyTo.tell(StatusReply.error(cause)));
    closeWaiters.clear();
    closeGateways();
  }

  private Behavior<StorageCommand> onClose(Close request) {
    switch (phase) {
      case OPENING, CLOSING -> closeWaiters.add(request.replyTo());
      case OPEN -> {
        closeWaiters.add(request.replyTo());
        beginClose();
      }
      case CLOSED -> request.replyTo().tell(StatusReply.ack());
      case FAILED -> {
        if (gateways.allClosed()) {
          request.replyTo().tell(StatusReply.error(failure));
          closed();
        } else {
          closeWaiters.add(request.replyTo());
        }
      }
    }
    return this;
  }

  /** What the façade may read without this supervisor: the readers, if there are any. */
  private DirectReads directReads() {
    if (settings.readConnections() == 0) {
      return DirectReads.NONE;
    }
    return new DirectReads(gateways.readers(DatabaseGateways.File.DATA), gateways.readers(DatabaseGateways.File.CACHE),
        cache, cipher, executor, getContext().getSystem().scheduler(), settings.askTimeout());
  }

  /** INV-10: every entity flushes and stops, then both gateways commit and close. */
  private void beginClose() {
    shared.failure().markClosing(); // calls come here from now on, and are answered as closed
    phase = Phase.CLOSING;
    owner.tell(new Closing(dir));
    waitingForSlot.values().forEach(commands -> commands.forEach(command -> Replies.error(command, closedError())));
    waitingForSlot.clear();
    for (EntitySlot slot : entities.values()) {
      if (!slot.stopping) {
        stop(slot, ManifestEntity.Control.FLUSH_AND_STOP);
      }
    }
    if (entities.isEmpty()) {
      closeGateways();
    }
  }

  private void closeGateways() {
    gateways.closeAll(gatewayCloseReplies);
  }

  private Behavior<StorageCommand> onGatewayClosed(GatewayClosed closed) {
    if (closed.error() != null && phase != Phase.FAILED) {
      fail(closed.error() instanceof StorageException e ? e
          : new StorageFailedException("closing workspace '" + workspaceId + "' failed: " + closed.error(), closed.error()));
    }
    if (!gateways.closed()) {
      return this;
    }
    if (!gateways.allOpened() && failure != null) {
      owner.tell(new OpenFailed(dir, failure));
      return Behaviors.stopped();
    }
    owner.tell(new Released(dir));
    if (phase == Phase.CLOSING) {
      getContext().getLog().info("workspace '{}' closed", workspaceId);
      closeWaiters.forEach(replyTo -> replyTo.tell(StatusReply.ack()));
      closed();
    } else if (phase == Phase.FAILED && !closeWaiters.isEmpty()) {
      closeWaiters.forEach(replyTo -> replyTo.tell(StatusReply.error(failure)));
      closed();
    }
    return this;
  }

  /** Answers with StorageClosedException for a while, for calls already on their way, then stops. */
  private void closed() {
    phase = Phase.CLOSED;
    closeWaiters.clear();
    timers.startSingleTimer(Linger.OVER, settings.askTimeout());
  }

  private StorageException closedError() {
    return new StorageClosedException("workspace '" + workspaceId + "' is closed");
  }

  private StorageException currentError() {
    return phase == Phase.FAILED ? failure : closedError();
  }

  // ---------------------------------------------------------------------------------------------
  // Asking the gateways

  private <T> void reply(CompletionStage<T> result, ActorRef<StatusReply<T>> replyTo) {
    Replies.when(result, replyTo, executor);
  }

  private static boolean invalid(Request request, Runnable check) {
    return Replies.refused(request, check);
  }
}
