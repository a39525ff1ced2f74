package dev.stowage.actors.facade;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.Replies;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityWorkspace;
import dev.stowage.actors.gateway.DirectReads;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.ClearMemoryCache;
import dev.stowage.protocol.StorageCommand.Close;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import scala.concurrent.ExecutionContextExecutor;

/**
 * {@link WorkspaceStorage} over the supervisor's protocol: each method checks its arguments (a
 * failed stage with {@link dev.stowage.protocol.InvalidRequestException}, nothing sent), copies
 * the collections it was given, and asks. It never blocks and never throws. Both modes use it: it
 * asks a {@link dev.stowage.actors.workspace.WorkspaceSupervisor}, over local mode's backend or cluster mode's.
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
  /**
   * The supervisor as this façade sends to it: the protocol, and the messages only the façade may
   * send. Hosts see it narrowed to the protocol ({@link #supervisor()}).
   */
  private final ActorRef<Object> mailbox;
  private final Scheduler scheduler;
  /** The workspace's limits of calls and bytes in flight ({@code stowage.overload}). */
  private final CallAdmission admission;
  private final Duration timeout;
  private final StorageSettings settings;
  private final PublishedManifests published;
  private final WorkspaceHealth failure;
  private final MutationsInFlight mutations = new MutationsInFlight();
  private final EntityDirectory directory;
  private final DirectReads directReads;
  /** Local mode: chunk and block reads after an unanswered write of the same id go behind it. */
  private final boolean readsBehindWrites;
  /** Cluster mode: where manifest commands go instead of the supervisor's mailbox; null otherwise. */
  private final ManifestRoute manifestRoute;
  /** Set once close() completed: later calls fail at once instead of asking a stopped actor. */
  private volatile boolean closed;

  /**
   * @param supervisor the supervisor's own ref ({@link dev.stowage.actors.workspace.WorkspaceBackend#storage})
   * @param executor Stowage's dispatcher ({@code stowage.dispatcher}): where calls that waited for
   *     admission are sent from
   * @param readPath what may be read without asking; {@link EntityWorkspace#unshared()}
   *     where the actors are elsewhere (cluster mode)
   */
  public ActorWorkspaceStorage(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, EntityWorkspace readPath) {
    this(workspaceId, supervisor, scheduler, executor, settings, readPath, EntityDirectory.NONE, DirectReads.NONE,
        null);
  }

  /**
   * A façade whose manifest commands go along {@code manifestRoute} (cluster mode: the shard
   * region), checked here as the supervisor would check them, instead of through the supervisor:
   * one thread handoff less per call. Everything else goes to {@code supervisor}.
   */
  public ActorWorkspaceStorage(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, EntityWorkspace readPath,
      ManifestRoute manifestRoute) {
    this(workspaceId, supervisor, scheduler, executor, settings, readPath, EntityDirectory.NONE, DirectReads.NONE,
        Objects.requireNonNull(manifestRoute, "manifestRoute"));
  }

  /** Local mode's façade: it also reaches live entities through {@code directory}, readers through {@code reads}. */
  public ActorWorkspaceStorage(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, EntityWorkspace readPath,
      EntityDirectory directory, DirectReads reads) {
    this(workspaceId, supervisor, scheduler, executor, settings, readPath, directory, reads, null);
  }

  private ActorWorkspaceStorage(String workspaceId, ActorRef<Object> supervisor, Scheduler scheduler,
      ExecutionContextExecutor executor, StorageSettings settings, EntityWorkspace readPath,
      EntityDirectory directory, DirectReads reads, ManifestRoute manifestRoute) {
    this.manifestRoute = manifestRoute;
    this.directory = directory;
    this.directReads = reads;
    this.workspaceId = workspaceId;
    this.mailbox = supervisor;
    this.scheduler = scheduler;
    this.timeout = settings.askTimeout();
    this.settings = settings;
    this.published = readPath.published();
    this.failure = readPath.failure();
    this.readsBehindWrites = readPath.local();
    this.admission = new CallAdmission(workspaceId, settings.overload(), executor,
        (delayNanos, task) -> scheduler.scheduleOnce(Duration.ofNanos(delayNanos), task, executor), System::nanoTime);
  }

  @Override
  public CompletionStage<LocalManifest> getManifest(EntryId id) {
    if (id != null && !closed && !failure.failed() && mutations.noneFor(id)) {
      LocalManifest hot = published.read(id);
      if (hot != null) {
        return CompletableFuture.completedFuture(hot);
      }
    }
    return askEntity(id, () -> Require.nonNull(id, "entry id"), replyTo -> new GetManifest(id, replyTo));
  }

  @Override
  public CompletionStage<Done> setManifest(EntryId id, LocalManifest m) {
    return setManifest(id, m, false, Set.of());
  }

  @Override
  public CompletionStage<Done> setManifest(EntryId id, LocalManifest m, boolean cacheOnly, Set<ChunkId> removedChunkIds) {
    Set<ChunkId> removed;
    try {
      RequestValidation.manifest(id, m, removedChunkIds, settings);
      removed = Collections.unmodifiableSet(new HashSet<>(removedChunkIds));
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return mutation(id, () -> askEntity(id, () -> { }, replyTo -> new SetManifest(id, m, cacheOnly, removed, replyTo)));
  }

  @Override
  public CompletionStage<Done> ensureManifestPersistent(EntryId id) {
    return mutation(id,
        () -> askEntity(id, () -> Require.nonNull(id, "entry id"), replyTo -> new EnsureManifestPersistent(id, replyTo)));
  }

  @Override
  public CompletionStage<Done> clearManifest(EntryId id) {
    return mutation(id,
        () -> askEntity(id, () -> Require.nonNull(id, "entry id"), replyTo -> new ClearManifest(id, replyTo)));
  }

  /**
   * Checks the arguments, then, once admitted, asks the entity of {@code id} straight through the
   * {@link EntityDirectory} if it allows it, through the supervisor otherwise (counted there, so
   * that no later command for {@code id} overtakes this one).
   */
  private <T> CompletionStage<T> askEntity(
      EntryId id, Runnable check, Function<ActorRef<StatusReply<T>>, StorageCommand.ManifestCommand> request) {
    try {
      check.run();
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return admitted(0, () -> sendToEntity(id, request));
  }

  private <T> CompletionStage<T> sendToEntity(
      EntryId id, Function<ActorRef<StatusReply<T>>, StorageCommand.ManifestCommand> request) {
    CompletableFuture<T> refused = refusal();
    if (refused != null) {
      return refused;
    }
    if (manifestRoute != null && !failure.ending()) { // else the supervisor answers, as failed or closed
      return PlainFutures.of(AskPattern.askWithStatus(manifestRoute.target(),
          replyTo -> manifestRoute.envelope().apply(request.apply(replyTo)), timeout, scheduler));
    }
    EntityHandle handle = directory.enterFor(id);
    if (handle != null) {
      try {
        return PlainFutures.of(AskPattern.askWithStatus(handle.ref, request::apply, timeout, scheduler));
      } finally {
        directory.leave(id, handle, mailbox.narrow());
      }
    }
    if (readsBehindWrites) {
      directory.routing(id);
      return PlainFutures.of(AskPattern.<Object, T>askWithStatus(mailbox,
          replyTo -> new FacadeMessage.ViaSupervisor(request.apply(replyTo)), timeout, scheduler));
    }
    return PlainFutures.of(AskPattern.askWithStatus(mailbox, request::apply, timeout, scheduler));
  }

  /** Sends a mutation of {@code id}, counted in {@link #mutations} until it is answered. */
  private <T> CompletionStage<T> mutation(Object id, Supplier<CompletionStage<T>> send) {
    if (id == null) {
      return send.get(); // refused before anything is sent
    }
    mutations.begin(id);
    return send.get().whenComplete((value, error) -> mutations.end(id));
  }

  @Override
  public CompletionStage<NeedSync> getNeedSyncEntries() {
    return ask(GetNeedSyncEntries::new);
  }

  @Override
  public CompletionStage<Long> getRealmCheckpoint() {
    return ask(GetRealmCheckpoint::new);
  }

  @Override
  public CompletionStage<Done> updateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs) {
    return askWith(() -> {
          RequestValidation.realmCheckpoint(checkpoint, changedVlobs);
          return Collections.unmodifiableMap(new HashMap<>(changedVlobs));
        },
        changed -> replyTo -> new UpdateRealmCheckpoint(checkpoint, changed, replyTo));
  }

  @Override
  public CompletionStage<Pattern> getPreventSyncPattern() {
    return getPreventSyncPatternState().thenApply(state -> Pattern.compile(state.regex()));
  }

  @Override
  public CompletionStage<PreventSyncPattern> getPreventSyncPatternState() {
    return ask(GetPreventSyncPattern::new);
  }

  @Override
  public CompletionStage<Done> setPreventSyncPattern(Pattern p) {
    return askWith(() -> RequestValidation.regex(p), regex -> replyTo -> new SetPreventSyncPattern(regex, replyTo));
  }

  @Override
  public CompletionStage<Done> markPreventSyncPatternFullyApplied(Pattern p) {
    return askWith(() -> RequestValidation.regex(p),
        regex -> replyTo -> new MarkPreventSyncPatternFullyApplied(regex, replyTo));
  }

  @Override
  public CompletionStage<byte[]> getChunk(ChunkId id) {
    return askWith(0, () -> Require.nonNull(id, "chunk id"),
        checked -> replyTo -> maybeBehindWrites(!mutations.noneFor(id), new GetChunk(id, replyTo)),
        checked -> readsDirectly() && mutations.noneFor(id) ? directReads.chunk(id) : null);
  }

  @Override
  public CompletionStage<Done> setChunk(ChunkId id, byte[] data) {
    return mutation(id, () -> askWith(data == null ? 0 : data.length, () -> {
          RequestValidation.payload(id, data, settings.maxChunkSize(), "chunk");
          return data;
        },
        bytes -> replyTo -> new SetChunk(id, bytes, replyTo), checked -> null));
  }

  @Override
  public CompletionStage<Done> clearChunk(ChunkId id) {
    return mutation(id, () -> ask(() -> Require.nonNull(id, "chunk id"), replyTo -> new ClearChunk(id, replyTo)));
  }

  @Override
  public CompletionStage<Set<ChunkId>> getLocalChunkIds(Collection<ChunkId> ids) {
    return askWith(() -> {
          RequestValidation.chunkIds(ids, "chunk ids");
          return Collections.unmodifiableList(new ArrayList<>(ids));
        },
        list -> {
          boolean behind = !mutations.noneForAny(list);
          return replyTo -> maybeBehindWrites(behind, new GetLocalChunkIds(list, replyTo));
        },
        list -> readsDirectly() && mutations.noneForAny(list) ? directReads.localChunkIds(list) : null);
  }

  /**
   * Whether reads may go straight to a reader: there are readers, and the workspace is open and
   * healthy. The caller also checks that no write of the ids it reads is on its way.
   */
  private boolean readsDirectly() {
    return directReads.available() && !closed && !failure.ending();
  }

  @Override
  public CompletionStage<byte[]> getBlock(ChunkId id) {
    return askWith(0, () -> Require.nonNull(id, "block id"),
        checked -> replyTo -> maybeBehindWrites(!mutations.noneFor(id), new GetBlock(id, replyTo)),
        checked -> readsDirectly() && mutations.noneFor(id) ? directReads.block(id) : null);
  }

  @Override
  public CompletionStage<Done> setBlock(ChunkId id, byte[] data) {
    return mutation(id, () -> askWith(data == null ? 0 : data.length, () -> {
          RequestValidation.payload(id, data, settings.maxChunkSize(), "block");
          return data;
        },
        bytes -> replyTo -> new SetBlock(id, bytes, replyTo), checked -> null));
  }

  @Override
  public CompletionStage<Done> clearBlock(ChunkId id) {
    return mutation(id, () -> ask(() -> Require.nonNull(id, "block id"), replyTo -> new ClearBlock(id, replyTo)));
  }

  /** {@code read}, sent behind the unanswered writes of its ids if there are any (local mode). */
  private Object maybeBehindWrites(boolean behind, StorageCommand.Operation read) {
    return behind && readsBehindWrites ? new FacadeMessage.ReadBehindWrites(read) : read;
  }

  /** Exempt from admission: a host must be able to shed load (a flush, a discard) when it is overloaded. */
  @Override
  public CompletionStage<Done> clearMemoryCache(boolean flush) {
    return askNow(replyTo -> new ClearMemoryCache(flush, replyTo));
  }

  @Override
  public CompletionStage<Done> runVacuum() {
    return ask(RunVacuum::new);
  }

  /** Exempt from admission: a host must be able to watch an overload, refused calls included. */
  @Override
  public CompletionStage<StorageStats> stats() {
    CompletableFuture<StorageStats> stats = new CompletableFuture<>();
    this.<StorageStats>askNow(GetStats::new).whenComplete((snapshot, error) -> {
      if (error != null) {
        stats.completeExceptionally(Replies.unwrap(error));
      } else {
        stats.complete(snapshot.withAdmission(admission.refusedCalls(), admission.waitedCalls()));
      }
    });
    return stats;
  }

  /** The workspace's admission (tests: what is in flight and waiting). */
  public CallAdmission admission() {
    return admission;
  }

  @Override
  public CompletionStage<Done> close() {
    if (closed) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletableFuture<Done> closing = PlainFutures.of(
        AskPattern.<Object, Done>askWithStatus(mailbox, Close::new, timeout, scheduler));
    // Closed once the supervisor answered: cleanly, or with the failure that had closed it already.
    return closing.whenComplete((done, error) -> {
      if (error == null || error instanceof StorageFailedException) {
        closed = true;
      }
    });
  }

  @Override
  public String workspaceId() {
    return workspaceId;
  }

  @Override
  public ActorRef<StorageCommand> supervisor() {
    return mailbox.narrow();
  }

  @Override
  public String toString() {
    return "WorkspaceStorage[" + workspaceId + (closed ? ", closed" : "") + "]";
  }

  /** Asks once admitted, unless closed or failed. */
  private <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, Object> request) {
    return admitted(0, () -> askNow(request));
  }

  /** Asks now, unless closed or failed: not admitted. */
  private <T> CompletionStage<T> askNow(Function<ActorRef<StatusReply<T>>, Object> request) {
    CompletableFuture<T> refused = refusal();
    if (refused != null) {
      return refused;
    }
    return PlainFutures.of(AskPattern.askWithStatus(mailbox, request::apply, timeout, scheduler));
  }

  /**
   * Sends the call with {@code send} once {@link #admission} admits it, unless the workspace is
   * closed or failed: then that is the answer, not an overload.
   *
   * @param bytes the chunk or block bytes the call carries
   */
  private <T> CompletionStage<T> admitted(long bytes, Supplier<CompletionStage<T>> send) {
    CompletableFuture<T> refused = refusal();
    return refused != null ? refused : admission.call(bytes, send);
  }

  /** A failed stage if the workspace is closed or failed (INV-6, INV-10); null if a call may go on. */
  private <T> CompletableFuture<T> refusal() {
    if (closed) {
      return CompletableFuture.failedFuture(new StorageClosedException("workspace '" + workspaceId + "' is closed"));
    }
    StorageException failed = failure.forNextCall();
    return failed == null ? null : CompletableFuture.failedFuture(failed);
  }

  /** Checks (and copies) the arguments with {@code check}, then asks with what it returned. */
  private <A, T> CompletionStage<T> askWith(
      Supplier<A> check, Function<A, Function<ActorRef<StatusReply<T>>, Object>> request) {
    return askWith(check, request, checked -> null);
  }

  /**
   * Checks (and copies) the arguments with {@code check}; then, once admitted, {@code direct} may
   * answer without the supervisor (null if it may not), and otherwise it asks with what {@code
   * check} returned.
   */
  private <A, T> CompletionStage<T> askWith(Supplier<A> check,
      Function<A, Function<ActorRef<StatusReply<T>>, Object>> request,
      Function<A, CompletionStage<T>> direct) {
    return askWith(0, check, request, direct);
  }

  /** {@link #askWith(Supplier, Function, Function)} for a call that carries {@code bytes} of chunk or block. */
  private <A, T> CompletionStage<T> askWith(long bytes, Supplier<A> check,
      Function<A, Function<ActorRef<StatusReply<T>>, Object>> request,
      Function<A, CompletionStage<T>> direct) {
    A checked;
    try {
      checked = check.get();
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return admitted(bytes, () -> {
      CompletionStage<T> answered = direct.apply(checked);
      return answered != null ? answered : askNow(request.apply(checked));
    });
  }

  /** Checks the arguments with {@code check}, then asks. */
  private <T> CompletionStage<T> ask(Runnable check, Function<ActorRef<StatusReply<T>>, Object> request) {
    return askWith(() -> {
      check.run();
      return null;
    }, ignored -> request);
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
    CompletableFuture<BackupResult> refused = refusal();
    return refused != null ? refused : PlainFutures.of(AskPattern.<Object, BackupResult>askWithStatus(mailbox,
        replyTo -> new FacadeMessage.Backup(file, replyTo), ActorWorkspaceStorage.BACKUP_ANSWER_WITHIN, scheduler));
  }
}
