package dev.stowage.actors.facade;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityWorkspace;
import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.gateway.DirectReads;
import dev.stowage.actors.transaction.TransactionNumbers;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.ClearMemoryCache;
import dev.stowage.protocol.StorageCommand.Close;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.GetInboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetOutboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetOutboundSyncBacklog;
import dev.stowage.protocol.StorageCommand.ListManifests;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Source;
import scala.concurrent.ExecutionContextExecutor;

/**
 * {@link WorkspaceStorage} over the supervisor's protocol: each method checks its arguments (a
 * failed stage with {@link dev.stowage.protocol.InvalidRequestException}, nothing sent), copies
 * the collections it was given, and asks. It never blocks and never throws. Both modes use it
 * ({@link #local}, {@link #sharded}): it asks a {@code WorkspaceSupervisor}, over local mode's
 * backend or cluster mode's. How a call reaches the supervisor is {@link SupervisorCalls}, how a
 * manifest command reaches its entity {@link EntityRouting}, the chunk and block calls {@link
 * PayloadCalls}.
 *
 * <p>Two things are read without asking (local mode): the workspace's {@link WorkspaceHealth},
 * before every call, so that nothing succeeds after a call has failed with it; and the {@link
 * PublishedManifests}, which answer a {@code getManifest} of a live entity on the caller's thread
 * with the value that entity last accepted (INV-17: the last completed write, or one that overlaps
 * the read). While a write, clear or ensure of that manifest made through this façade has not been
 * answered ({@link MutationsInFlight}), a read of it goes the slow way, behind the mutation, so a
 * caller who writes and reads without waiting in between still reads its own write.
 *
 * <p>Every call but {@code close}, {@code stats} and {@code clearMemoryCache} (what a host needs to
 * shed load and to watch it), and but a {@code getManifest} answered from {@link
 * PublishedManifests} (nothing is in flight then), is admitted by the workspace's {@link
 * CallAdmission} after its arguments were checked and before anything is sent: past {@code
 * stowage.overload}'s limits it waits or fails with {@link
 * dev.stowage.protocol.StorageOverloadedException}. A mutation counts in {@link MutationsInFlight}
 * from the call on, while it waits too, so that reads of its id made after it go behind it; and
 * the reads of chunks and blocks choose their way (a reader, or behind the writes) when they are
 * sent, which is later than the call if it waited.
 */
public final class ActorWorkspaceStorage implements WorkspaceStorage {
  /**
   * How long the façade waits for a backup's answer: not {@code ask-timeout}, since the copy takes
   * as long as the file takes to read and write (about a second per few hundred MiB); this bounds
   * the wait only should the answer never come (the ActorSystem stopped).
   */
  static final Duration BACKUP_ANSWER_WITHIN = Duration.ofHours(1);

  private final String workspaceId;
  private final StorageSettings settings;
  private final SupervisorCalls calls;
  private final EntityRouting entities;
  private final PublishedManifests published;
  private final WorkspaceHealth health;
  private final MutationsInFlight mutations = new MutationsInFlight();
  private final PayloadCalls payloads;
  private final ChangeFeed feed;

  /**
   * Local mode's façade: it reads hot manifests from {@code shared}, reaches live entities through
   * {@code directory} and readers through {@code reads}.
   *
   * @param supervisor the supervisor's own ref ({@link dev.stowage.actors.workspace.WorkspaceBackend#storage}),
   *     narrowed here to what a façade sends it
   * @param executor Stowage's dispatcher ({@code stowage.dispatcher}): where calls that waited for
   *     admission are sent from
   */
  public static ActorWorkspaceStorage local(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, EntityWorkspace shared, EntityDirectory directory,
      TransactionNumbers transactions, DirectReads reads, ChangeFeed feed) {
    SupervisorCalls calls = calls(workspaceId, supervisor, scheduler, executor, settings, shared.failure());
    return new ActorWorkspaceStorage(workspaceId, settings, calls,
        EntityRouting.local(calls, directory, supervisor, transactions),
        shared.published(), reads, true, feed);
  }

  /**
   * A façade whose manifest commands go along {@code route} (cluster mode: the shard region),
   * checked here as the supervisor would check them, instead of through the supervisor: one thread
   * handoff less per call. Everything else goes to {@code supervisor}; nothing is read without asking.
   */
  public static ActorWorkspaceStorage sharded(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, WorkspaceHealth health, ManifestRoute route,
      ChangeFeed feed) {
    SupervisorCalls calls = calls(workspaceId, supervisor, scheduler, executor, settings, health);
    return new ActorWorkspaceStorage(workspaceId, settings, calls, EntityRouting.sharded(calls, route),
        PublishedManifests.NONE, DirectReads.NONE, false, feed);
  }

  private static SupervisorCalls calls(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, WorkspaceHealth health) {
    CallAdmission admission = new CallAdmission(workspaceId, settings.overload(), executor,
        (delayNanos, task) -> scheduler.scheduleOnce(Duration.ofNanos(delayNanos), task, executor), System::nanoTime);
    return new SupervisorCalls(workspaceId, supervisor.narrow(), supervisor.narrow(), scheduler, settings.askTimeout(),
        admission, health);
  }

  private ActorWorkspaceStorage(String workspaceId, StorageSettings settings, SupervisorCalls calls,
      EntityRouting entities, PublishedManifests published, DirectReads reads, boolean readsBehindWrites,
      ChangeFeed feed) {
    this.workspaceId = workspaceId;
    this.feed = feed;
    this.settings = settings;
    this.calls = calls;
    this.entities = entities;
    this.published = published;
    this.health = calls.health();
    this.payloads = new PayloadCalls(calls, mutations, reads, readsBehindWrites, settings.maxChunkSize());
  }

  // ---------------------------------------------------------------------------------------------
  // Manifests

  @Override
  public CompletionStage<LocalManifest> getManifest(EntryId id) {
    if (id != null && !calls.closed() && !health.failed() && mutations.noneFor(id)) {
      LocalManifest hot = published.read(id);
      if (hot != null) {
        return CompletableFuture.completedFuture(hot);
      }
    }
    return askEntity(id, replyTo -> new GetManifest(id, replyTo));
  }

  @Override
  public CompletionStage<Done> setManifest(EntryId id, LocalManifest m) {
    return setManifest(id, m, false, Set.of());
  }

  @Override
  public CompletionStage<Done> setManifest(EntryId id, LocalManifest m, boolean cacheOnly, Set<ChunkId> removedChunkIds) {
    return mutations.around(id, () -> askEntityChecked(id, () -> {
      RequestValidation.manifest(id, m, removedChunkIds, settings);
      return Collections.unmodifiableSet(new HashSet<>(removedChunkIds));
    }, removed -> replyTo -> new SetManifest(id, m, cacheOnly, removed, replyTo)));
  }

  @Override
  public CompletionStage<Done> ensureManifestPersistent(EntryId id) {
    return mutations.around(id, () -> askEntity(id, replyTo -> new EnsureManifestPersistent(id, replyTo)));
  }

  @Override
  public CompletionStage<Done> clearManifest(EntryId id) {
    return mutations.around(id, () -> askEntity(id, replyTo -> new ClearManifest(id, replyTo)));
  }

  @Override
  public CompletionStage<LocalManifest> populateManifest(EntryId id, LocalManifest fetched) {
    return mutations.around(id, () -> askEntityChecked(id, () -> {
      RequestValidation.manifest(id, fetched, Set.of(), settings);
      return fetched;
    }, checked -> replyTo -> new PopulateManifest(id, checked, replyTo)));
  }

  /**
   * To the supervisor, which runs the transaction ({@link dev.stowage.actors.transaction.TransactionRun}: local
   * mode's supervisor itself; cluster mode's coordinator actor); a transaction of one change goes to
   * its entity instead, straight if it is live ({@link #oneChangeToLiveEntity}).
   */
  @Override
  public CompletionStage<Done> updateManifests(List<ManifestChange> changes) {
    return calls.checkedAndAdmitted(0, () -> {
      RequestValidation.changes(changes, settings);
      return changes.stream().map(change -> new ManifestChange(change.id(), change.expected(), change.updated(),
          Collections.unmodifiableSet(new HashSet<>(change.removedChunkIds())))).toList();
    }, this::withoutSupervisorHop, checked -> calls.askChecked(replyTo -> new UpdateManifests(checked, replyTo)));
  }

  /**
   * A transaction starts here where the mode allows: one change straight to its live entity
   * ({@link #oneChangeToLiveEntity}); several with their first holds sent from here ({@link
   * EntityRouting#startTransaction}). Null otherwise: through the supervisor.
   */
  private CompletionStage<Done> withoutSupervisorHop(List<ManifestChange> checked) {
    return checked.size() == 1 ? oneChangeToLiveEntity(checked) : entities.startTransaction(checked);
  }

  /**
   * A transaction of one change goes straight to its entity if it is live (local mode), as a
   * {@code setManifest} does: the entity makes it alone ({@link EntityCommand.Update}), and the
   * supervisor's hop is saved. Null otherwise: through the supervisor.
   */
  private CompletionStage<Done> oneChangeToLiveEntity(List<ManifestChange> checked) {
    CompletableFuture<Done> refused = calls.refusal();
    if (refused != null) {
      return refused;
    }
    ManifestChange change = checked.get(0);
    return entities.askLive(change.id(), replyTo -> new EntityCommand.Update(change, replyTo));
  }

  /** {@link #askEntityChecked} for a command made of the id alone. */
  private <T> CompletionStage<T> askEntity(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
    return askEntityChecked(id, () -> Require.nonNull(id, "entry id"), ignored -> request);
  }

  /** Checks the arguments, then, once admitted, asks the entity of {@code id} ({@link EntityRouting}). */
  private <A, T> CompletionStage<T> askEntityChecked(EntryId id, SupervisorCalls.Check<A> check,
      Function<A, Function<ActorRef<StatusReply<T>>, ManifestCommand>> request) {
    return calls.checkedAndAdmitted(0, check, checked -> null, checked -> {
      CompletableFuture<T> refused = calls.refusal(); // it may have waited for admission
      return refused != null ? refused : entities.ask(id, request.apply(checked));
    });
  }

  // ---------------------------------------------------------------------------------------------
  // The workspace's sync state

  @Override
  public CompletionStage<NeedSync> getNeedSyncEntries() {
    return calls.ask(GetNeedSyncEntries::new);
  }

  @Override
  public CompletionStage<List<EntryId>> getOutboundNeedSync(int limit) {
    return askChecked(() -> Require.positive(limit, "limit"), checked -> replyTo -> new GetOutboundNeedSync(checked, replyTo));
  }

  @Override
  public CompletionStage<List<EntryId>> getInboundNeedSync(int limit) {
    return askChecked(() -> Require.positive(limit, "limit"), checked -> replyTo -> new GetInboundNeedSync(checked, replyTo));
  }

  @Override
  public CompletionStage<List<EntryId>> listManifests(EntryId after, int limit) {
    return askChecked(() -> Require.positive(limit, "limit"),
        checked -> replyTo -> new ListManifests(after, checked, replyTo));
  }

  @Override
  public CompletionStage<SyncBacklog> getOutboundSyncBacklog() {
    return calls.ask(GetOutboundSyncBacklog::new);
  }

  @Override
  public CompletionStage<Long> getRealmCheckpoint() {
    return calls.ask(GetRealmCheckpoint::new);
  }

  @Override
  public CompletionStage<Done> updateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs) {
    return askChecked(() -> {
      RequestValidation.realmCheckpoint(checkpoint, changedVlobs);
      return Collections.unmodifiableMap(new HashMap<>(changedVlobs));
    }, changed -> replyTo -> new UpdateRealmCheckpoint(checkpoint, changed, replyTo));
  }

  @Override
  public CompletionStage<Pattern> getPreventSyncPattern() {
    return getPreventSyncPatternState().thenApply(state -> Pattern.compile(state.regex()));
  }

  @Override
  public CompletionStage<PreventSyncPattern> getPreventSyncPatternState() {
    return calls.ask(GetPreventSyncPattern::new);
  }

  @Override
  public CompletionStage<Done> setPreventSyncPattern(Pattern p) {
    return askChecked(() -> RequestValidation.regex(p), regex -> replyTo -> new SetPreventSyncPattern(regex, replyTo));
  }

  @Override
  public CompletionStage<Done> markPreventSyncPatternFullyApplied(Pattern p) {
    return askChecked(() -> RequestValidation.regex(p),
        regex -> replyTo -> new MarkPreventSyncPatternFullyApplied(regex, replyTo));
  }

  /**
   * Checks (and copies) the arguments with {@code check}, then, once admitted, asks with what it
   * returned; the supervisor does not check them again ({@link FacadeMessage.Checked}).
   */
  private <A, T> CompletionStage<T> askChecked(SupervisorCalls.Check<A> check,
      Function<A, Function<ActorRef<StatusReply<T>>, StorageCommand.Operation>> request) {
    return calls.checkedAndAdmitted(0, check, checked -> null, checked -> calls.askChecked(request.apply(checked)));
  }

  // ---------------------------------------------------------------------------------------------
  // The change feed

  @Override
  public Source<WorkspaceEvent, NotUsed> changes() {
    return changes(settings.feed().bufferSize());
  }

  @Override
  public Source<WorkspaceEvent, NotUsed> changes(int bufferSize) {
    Require.positive(bufferSize, "feed buffer size");
    if (health.failed()) {
      return Source.single(new WorkspaceEvent.WorkspaceFailed(health.cause().getMessage()));
    }
    if (calls.closed()) {
      return Source.single(new WorkspaceEvent.WorkspaceClosed());
    }
    return feed.subscribe(bufferSize);
  }

  // ---------------------------------------------------------------------------------------------
  // Chunks and blocks: the same calls, on two stores

  @Override
  public CompletionStage<byte[]> getChunk(ChunkId id) {
    return payloads.get(PayloadCalls.Payload.CHUNK, id);
  }

  @Override
  public CompletionStage<Done> setChunk(ChunkId id, byte[] data) {
    return payloads.set(PayloadCalls.Payload.CHUNK, id, data);
  }

  @Override
  public CompletionStage<Done> clearChunk(ChunkId id) {
    return payloads.clear(PayloadCalls.Payload.CHUNK, id);
  }

  @Override
  public CompletionStage<Done> promoteChunkToBlock(ChunkId id) {
    return payloads.promote(id);
  }

  @Override
  public CompletionStage<byte[]> getBlock(ChunkId id) {
    return payloads.get(PayloadCalls.Payload.BLOCK, id);
  }

  @Override
  public CompletionStage<Done> setBlock(ChunkId id, byte[] data) {
    return payloads.set(PayloadCalls.Payload.BLOCK, id, data);
  }

  @Override
  public CompletionStage<Done> clearBlock(ChunkId id) {
    return payloads.clear(PayloadCalls.Payload.BLOCK, id);
  }

  @Override
  public CompletionStage<Set<ChunkId>> getLocalChunkIds(Collection<ChunkId> ids) {
    return payloads.localChunkIds(ids);
  }

  // ---------------------------------------------------------------------------------------------
  // The workspace

  /** Exempt from admission: a host must be able to shed load (a flush, a discard) when it is overloaded. */
  @Override
  public CompletionStage<Done> clearMemoryCache(boolean flush) {
    return calls.askNow(replyTo -> new ClearMemoryCache(flush, replyTo));
  }

  @Override
  public CompletionStage<Done> runVacuum() {
    return calls.ask(RunVacuum::new);
  }

  /** Exempt from admission: a host must be able to watch an overload, refused calls included. */
  @Override
  public CompletionStage<StorageStats> stats() {
    CompletableFuture<StorageStats> stats = new CompletableFuture<>();
    CallAdmission admission = calls.admission();
    calls.<StorageStats>askNow(GetStats::new).whenComplete((snapshot, error) -> {
      if (error != null) {
        stats.completeExceptionally(StatusReplies.unwrap(error));
      } else {
        stats.complete(snapshot.withAdmission(admission.refusedCalls(), admission.waitedCalls()));
      }
    });
    return stats;
  }

  /** The workspace's admission (tests: what is in flight and waiting). */
  public CallAdmission admission() {
    return calls.admission();
  }

  @Override
  public CompletionStage<Done> close() {
    if (calls.closed()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletableFuture<Done> closing = PlainFutures.of(
        AskPattern.askWithStatus(calls.supervisor(), Close::new, calls.timeout(), calls.scheduler()));
    // Closed once the supervisor answered: cleanly, or with the failure that had closed it already.
    return closing.whenComplete((done, error) -> {
      if (error == null || error instanceof StorageFailedException) {
        calls.markClosed();
      }
    });
  }

  /**
   * Asks like the others, but waits for the copy however long it takes (up to {@link
   * #BACKUP_ANSWER_WITHIN}). Exempt from admission: one backup runs at a time per workspace
   * (another is refused), on a connection of its own and in steps of a fixed size, so it cannot
   * flood the workspace; and a busy workspace is the one a host most needs to back up.
   */
  @Override
  public CompletionStage<BackupResult> backup(Path to) {
    Path file;
    try {
      file = Require.nonNull(to, "backup file").toAbsolutePath();
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return calls.askInternal(replyTo -> new FacadeMessage.Backup(file, replyTo), BACKUP_ANSWER_WITHIN);
  }

  @Override
  public String workspaceId() {
    return workspaceId;
  }

  @Override
  public ActorRef<StorageCommand> supervisor() {
    return calls.supervisor();
  }

  @Override
  public String toString() {
    return "WorkspaceStorage[" + workspaceId + (calls.closed() ? ", closed" : "") + "]";
  }
}
