package dev.stowage.actors.workspace;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.actors.entity.EntityWorkspace;
import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.feed.CheckpointEvents;
import dev.stowage.actors.facade.ActorWorkspaceStorage;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.actors.gateway.DataOperations;
import dev.stowage.actors.gateway.WorkspaceDatabases;
import dev.stowage.actors.gateway.DirectReads;
import dev.stowage.actors.gateway.DatabaseFile;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.GatewayEvent;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.actors.transaction.TransactionNumbers;
import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.EntryId;
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
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * Local mode's {@link WorkspaceBackend}: a workspace in two SQLite files of its directory, its
 * manifest entities children of its supervisor.
 *
 * <ul>
 *   <li>{@link WorkspaceDatabases}: a writer per file, readers beside them.
 *   <li>{@link LocalEntityPool}: the live entities, passivation, max-active, max-dirty.
 *   <li>{@link PayloadPipeline}, twice: chunks and blocks, sealed and opened on the dispatcher, written
 *       in arrival order, read from the readers.
 *   <li>Here: the workspace-wide queries (need-sync, realm checkpoint, prevent-sync pattern,
 *       vacuum, stats) and the façade's fast paths: hot manifests ({@link PublishedManifests}),
 *       live entities ({@link dev.stowage.actors.facade.EntityDirectory}), readers ({@link DirectReads}).
 * </ul>
 *
 * An ask completes on the gateway's thread, so every continuation here is {@code *Async} on the
 * supervisor's dispatcher.
 */
public final class LocalWorkspace implements WorkspaceBackend {

  /** Runs an operation on the data store's writer, answered as its mode says (tests, tools). */
  public record RunOnDataStore<R>(StoreOperation<DataStore, R> operation, ActorRef<StatusReply<R>> replyTo)
      implements SupervisorMessage {}

  /** Runs an operation on the cache store's writer, answered as its mode says (tests, tools). */
  public record RunOnCacheStore<R>(StoreOperation<CacheStore, R> operation, ActorRef<StatusReply<R>> replyTo)
      implements SupervisorMessage {}

  private record GatewayClosed(Throwable error) implements SupervisorMessage {}

  /** The {@link DataBackup} in progress has stopped (after its {@link DataBackup.Done}, unless it crashed). */
  private record BackupEnded(int backup) implements SupervisorMessage {}

  /** Local mode's workspaces: this backend under a {@link WorkspaceSupervisor}. */
  static WorkspaceBackend.Factory factory(String workspaceId, LocalKey key, StorageSettings settings,
      WorkspaceHealth health) {
    return (context, events) -> new LocalWorkspace(context, events, workspaceId, key, settings, health);
  }

  private final ActorContext<Object> context;
  private final Events events;
  private final String workspaceId;
  private final StorageSettings settings;
  private final BlobCipher cipher;
  private final Executor executor;
  /** Shared with the entities, the gateways and the façade: hot values, and whether the workspace failed. */
  private final EntityWorkspace shared;
  private final WorkspaceDatabases gateways;
  private final DatabaseFile<DataStore> data;
  private final LocalEntityPool entities;
  private final PayloadPipeline<DataStore> chunks;
  private final PayloadPipeline<CacheStore> blocks;
  private final WorkspaceStatsQuery statsQuery;
  private final LocalTransactions transactions;
  /** The tree transactions of several changes in flight, coordinated here. */
  private final LocalTransactionRuns transactionRuns;
  /** Of the transactions this supervisor holds for: it and the façade start them. */
  private final TransactionNumbers transactionNumbers = new TransactionNumbers();
  private final ChunkPromotion promotion;
  /** The change feed: its subscribers, and the publisher of this workspace's entities. */
  private final ChangeFeed feed = new ChangeFeed();
  private final ActorRef<StatusReply<Done>> gatewayCloseReplies;
  private final Path dir;
  /**
   * Who waits for the {@link DataBackup} that runs, if one does: one at a time, each holding a
   * pinned thread while it copies.
   */
  private ActorRef<StatusReply<BackupResult>> backupWaiting;
  /** Backups started; the number of the last one. */
  private int backups;
  private boolean releasing;
  private Throwable releaseError;
  /** True while a read sent behind the caller's writes is served ({@link #serveBehindWrites}). */
  private boolean readBehindWrites;

  private LocalWorkspace(ActorContext<Object> context, Events events, String workspaceId, LocalKey key,
      StorageSettings settings, WorkspaceHealth health) {
    this.context = context;
    this.events = events;
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.cipher = new BlobCipher(key);
    this.executor = context.getExecutionContext();
    this.shared = new EntityWorkspace(PublishedManifests.create(), health, feed);
    this.dir = settings.workspaceDir(workspaceId);
    this.gatewayCloseReplies = StatusReplies.adapter(context,
        reply -> new GatewayClosed(reply.isError() ? reply.getError() : null));
    this.gateways = new WorkspaceDatabases(context, workspaceId, dir, settings, cipher, health, context.getSelf().narrow());
    this.data = gateways.data();
    this.entities = new LocalEntityPool(context, settings, cipher, shared, gateways);
    this.chunks = PayloadPipeline.chunks(context, gateways.data(), cipher);
    this.blocks = PayloadPipeline.blocks(context, gateways.cache(), cipher);
    this.statsQuery = new WorkspaceStatsQuery(workspaceId, gateways, executor);
    this.transactions = new LocalTransactions(context.getSelf(), data.writer(), entities.directory());
    this.transactionRuns = new LocalTransactionRuns(context, transactions, entities.dirty(), transactionNumbers,
        settings.askTimeout());
    this.promotion = new ChunkPromotion(context.getSelf().narrow(), context.getSystem().scheduler(),
        settings.askTimeout(), executor, feed);
  }

  @Override
  public void open() {
    // The gateways open their files as they start, and each reports it (GatewayEvent.Opened).
  }

  @Override
  public WorkspaceStorage storage(ActorRef<Object> supervisor) {
    return ActorWorkspaceStorage.local(workspaceId, supervisor, context.getSystem().scheduler(),
        context.getExecutionContext(), settings, shared, entities.directory(), transactionNumbers, directReads(), feed);
  }

  @Override
  public ChangeFeed feed() {
    return feed;
  }

  /** What the façade may read without the supervisor: the readers, if there are any. */
  private DirectReads directReads() {
    if (settings.readConnections() == 0) {
      return DirectReads.NONE;
    }
    return new DirectReads(gateways.data().readers(), gateways.cache().readers(), gateways.cache().writer(), cipher,
        executor, context.getSystem().scheduler(), settings.askTimeout());
  }

  // ---------------------------------------------------------------------------------------------
  // Operations

  @Override
  public void manifest(ManifestCommand command) {
    entities.route(command);
  }

  @Override
  public void getChunk(GetChunk request) {
    chunks.get(request.id(), readBehindWrites, request.replyTo());
  }

  @Override
  public void setChunk(SetChunk request) {
    feed.backlogChanged();
    chunks.set(request.id(), request.data(), request.replyTo());
  }

  @Override
  public void clearChunk(ClearChunk request) {
    feed.backlogChanged();
    chunks.clear(request.id(), request.replyTo());
  }

  @Override
  public void getLocalChunkIds(GetLocalChunkIds request) {
    data.execute(readBehindWrites ? data.writer() : data.reader(), DataOperations.presentChunks(request.ids()),
        request.replyTo());
  }

  @Override
  public void getBlock(GetBlock request) {
    blocks.get(request.id(), readBehindWrites, request.replyTo());
  }

  @Override
  public void setBlock(SetBlock request) {
    blocks.set(request.id(), request.data(), request.replyTo());
  }

  @Override
  public void clearBlock(ClearBlock request) {
    blocks.clear(request.id(), request.replyTo());
  }

  @Override
  public void getNeedSyncEntries(GetNeedSyncEntries request) {
    NeedSyncOverlay cached = entities.dirty().needSyncOverlay(); // INV-5: the cache is authoritative for the local part
    StatusReplies.when(data.ask(data.writer(), DataOperations.needSync())
        .thenApplyAsync(stored -> cached.over(stored.local(), stored.remote()), executor), request.replyTo(), executor);
  }

  // The pages and the backlog read on the writer, like need-sync: the overlay is taken first, so an
  // entry flushed meanwhile is in the rows, one still dirty in the overlay (INV-5).

  @Override
  public void getOutboundNeedSync(GetOutboundNeedSync request) {
    NeedSyncOverlay cached = entities.dirty().needSyncOverlay();
    int limit = request.limit();
    StatusReplies.when(data.ask(data.writer(), DataOperations.outboundPage(cached.outboundReadLimit(limit)))
        .thenApplyAsync(stored -> cached.outboundPage(stored, limit), executor), request.replyTo(), executor);
  }

  @Override
  public void getInboundNeedSync(GetInboundNeedSync request) {
    NeedSyncOverlay cached = entities.dirty().needSyncOverlay();
    int limit = request.limit();
    StatusReplies.when(data.ask(data.writer(), DataOperations.inboundPage(cached.deletedReadLimit(limit)))
        .thenApplyAsync(stored -> cached.inboundPage(stored, limit), executor), request.replyTo(), executor);
  }

  @Override
  public void listManifests(ListManifests request) {
    NeedSyncOverlay cached = entities.dirty().needSyncOverlay();
    int limit = request.limit();
    StatusReplies.when(
        data.ask(data.writer(), DataOperations.manifestPage(request.after(), cached.deletedReadLimit(limit)))
            .thenApplyAsync(stored -> cached.listPage(stored, request.after(), limit), executor),
        request.replyTo(), executor);
  }

  @Override
  public void getOutboundSyncBacklog(GetOutboundSyncBacklog request) {
    NeedSyncOverlay cached = entities.dirty().needSyncOverlay();
    StatusReplies.when(data.ask(data.writer(), DataOperations.backlog(cached.ids()))
        .thenApplyAsync(stored -> new SyncBacklog(cached.outboundCount(stored.needSync(), stored.needSyncAmongDirty()),
            stored.chunkBytes()), executor), request.replyTo(), executor);
  }

  @Override
  public void promoteChunkToBlock(PromoteChunkToBlock request) {
    promotion.promote(request);
  }

  @Override
  public void getRealmCheckpoint(GetRealmCheckpoint request) {
    data.toWriter(DataOperations.realmCheckpoint(), request.replyTo());
  }

  @Override
  public void updateRealmCheckpoint(UpdateRealmCheckpoint request) {
    CompletionStage<Set<EntryId>> raised = data.ask(data.writer(),
        DataOperations.updateRealmCheckpoint(request.checkpoint(), request.changedVlobs()));
    StatusReplies.when(raised.thenApplyAsync(ids -> {
      CheckpointEvents.publish(feed, ids);
      return Done.getInstance();
    }, executor), request.replyTo(), executor);
  }

  @Override
  public void getPreventSyncPattern(GetPreventSyncPattern request) {
    data.toWriter(DataOperations.preventSyncPattern(), request.replyTo());
  }

  @Override
  public void setPreventSyncPattern(SetPreventSyncPattern request) {
    data.toWriter(DataOperations.setPreventSyncPattern(request.regex()), request.replyTo());
  }

  @Override
  public void markPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request) {
    data.toWriter(DataOperations.markPreventSyncPatternFullyApplied(request.regex()), request.replyTo());
  }

  @Override
  public void runVacuum(RunVacuum request) {
    CompletionStage<Boolean> vacuumed = data.ask(data.writer(),
        replyTo -> new GatewayCommand.Vacuum<>(settings.vacuumThreshold(), replyTo));
    StatusReplies.when(vacuumed.thenApplyAsync(ignored -> Done.getInstance(), executor), request.replyTo(), executor);
  }

  /**
   * Coordinated here ({@link LocalTransactionRuns}): the entities are held through this supervisor,
   * the commit is one write of the data writer. A transaction of one change needs no coordinator:
   * its entity makes it ({@link EntityCommand.Update}), half the messages of a hold, its commit and
   * its apply.
   */
  @Override
  public void updateManifests(UpdateManifests request) {
    if (request.changes().size() == 1) {
      entities.route(new EntityCommand.Update(request.changes().get(0), request.replyTo()));
    } else {
      transactionRuns.start(request);
    }
  }

  @Override
  public void getStats(GetStats request) {
    statsQuery.answer(request, entities.live(), entities.dirty().size());
  }

  /**
   * A read the façade sent behind the caller's own writes ({@link FacadeMessage.ReadBehindWrites}): served
   * like any, but by the writer, behind those writes, instead of a reader that would not see them.
   */
  private void serveBehindWrites(StorageCommand.Operation read) {
    readBehindWrites = true;
    try {
      read.servedBy(this);
    } finally {
      readBehindWrites = false;
    }
  }

  @Override
  public void onMessage(SupervisorMessage message, StorageException refusal) {
    if (entities.onMessage(message, refusal) || transactionRuns.onMessage(message)
        || PayloadPipeline.onMessage(message, shared.failure().cause())) {
      return;
    }
    if (message instanceof GatewayEvent.Opened opened) {
      if (gateways.opened(context, opened.database()) && !releasing) {
        events.opened();
      }
    } else if (message instanceof EntityHost.Unstorable unstorable) {
      events.failed(unstorable.cause());
    } else if (message instanceof GatewayClosed closed) {
      onGatewayClosed(closed);
    } else if (message instanceof FacadeMessage.ReadBehindWrites behind) {
      StorageCommand.Operation read = behind.read();
      if (refusal != null) {
        StatusReplies.error(read, refusal);
      } else {
        serveBehindWrites(read); // the façade checked it before it sent it
      }
    } else if (message instanceof DataBackup.Done done) {
      if (backupWaiting != null) {
        backupWaiting.tell(done.outcome());
        backupWaiting = null;
      }
    } else if (message instanceof BackupEnded ended && ended.backup() == backups && backupWaiting != null) {
      backupWaiting.tell(StatusReply.error(new BackupFailedException(
          "the backup of workspace '" + workspaceId + "' stopped before it completed")));
      backupWaiting = null;
    } else if (message instanceof RunOnDataStore<?> run) {
      runOnDataStore(run, refusal);
    } else if (message instanceof RunOnCacheStore<?> run) {
      runOnCacheStore(run, refusal);
    }
  }

  private <R> void runOnDataStore(RunOnDataStore<R> request, StorageException refusal) {
    runOnWriter(data, request.operation(), request.replyTo(), refusal);
  }

  private <R> void runOnCacheStore(RunOnCacheStore<R> request, StorageException refusal) {
    runOnWriter(gateways.cache(), request.operation(), request.replyTo(), refusal);
  }

  private static <S, R> void runOnWriter(DatabaseFile<S> file, StoreOperation<S, R> operation,
      ActorRef<StatusReply<R>> replyTo, StorageException refusal) {
    if (refusal != null) {
      replyTo.tell(StatusReply.error(refusal));
    } else {
      file.toWriter(operation, replyTo);
    }
  }

  /**
   * Copies the data database as of its last commit, through a {@link DataBackup} of its own: the
   * writer and the readers go on serving meanwhile. Dirty cache-only manifests are not flushed
   * first: the backup holds what a crash at that moment would have left (see {@link
   * WorkspaceStorage#backup}). One backup at a time; another asked for meanwhile is refused.
   */
  @Override
  public void backup(FacadeMessage.Backup request) {
    if (backupWaiting != null) {
      request.replyTo().tell(StatusReply.error(new BackupFailedException(
          "a backup of workspace '" + workspaceId + "' is running already: ask again once it completed")));
      return;
    }
    backupWaiting = request.replyTo();
    ActorRef<DataBackup.Run> backup = context.spawn(DataBackup.create(dir, request.to(), context.getSelf().narrow()),
        "backup-" + ++backups, DispatcherSelector.fromConfig(settings.gatewayDispatcher()));
    context.watchWith(backup, new BackupEnded(backups));
  }

  @Override
  public void clearMemoryCache(boolean flush, Consumer<StatusReply<Done>> done) {
    entities.clear(flush, done);
  }

  @Override
  public void stopEntities(StorageException refusal, Consumer<StatusReply<Done>> done) {
    entities.stopAll(refusal, done);
  }

  @Override
  public void failEntities(StorageException cause) {
    entities.failAll(cause);
  }

  @Override
  public void release() {
    if (!releasing) {
      releasing = true;
      gateways.closeAll(gatewayCloseReplies);
    }
  }

  private void onGatewayClosed(GatewayClosed closed) {
    if (closed.error() != null && releaseError == null) {
      releaseError = closed.error();
    }
    if (gateways.closed()) {
      events.released(releaseError);
    }
  }

  @Override
  public String toString() {
    return "in " + settings.workspaceDir(workspaceId);
  }
}
