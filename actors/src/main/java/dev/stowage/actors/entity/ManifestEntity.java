package dev.stowage.actors.entity;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand.Lifecycle;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.ManifestKinds;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageOverloadedException;
import dev.stowage.protocol.WorkspaceEvent.ChangeCause;
import dev.stowage.storage.BlobCipher;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.apache.pekko.pattern.StatusReply;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The cached value of one manifest, and the only code that reads or writes it: the actor is the
 * per-key lock. Every command on its id passes through it in order.
 *
 * <p>Where the value is loaded from and flushed to is a {@link ManifestBackend}, and who runs and
 * stops the entity an {@link EntityHost}: local mode (a {@code LocalEntityPool} and the data
 * gateway) and cluster mode (a shard of Cluster Sharding and a durable-state store) run this same
 * state machine. What it knows and how far that is stored is its {@link EntryState}.
 *
 * <h2>Protocol</h2>
 *
 * The public protocol's {@link ManifestCommand}s, its host's and workspace's {@link EntityCommand}s,
 * its backend's {@link ManifestBackend.Reply}s and its own {@link Internal} messages. The first are
 * the protocol module's and share no supertype with the others but {@code Object}: whoever spawns
 * the {@code Behavior<Object>} narrows its ref to each kind it sends.
 *
 * <h2>Phases (INV-4)</h2>
 *
 * <ul>
 *   <li><b>unknown</b> (the first): nothing is known of the stored row. A read, a clear, a
 *       populate or a transaction's hold asks the backend for it; a write needs no old value and
 *       does not wait.
 *   <li><b>loading</b>: the load is in flight; reads and clears wait in a stash of {@link
 *       #STASH_CAPACITY} (past it they fail with {@link StorageOverloadedException}: retry). A write
 *       makes the value known; the waiting reads get it when the load, which lost its race, returns.
 *   <li><b>known</b>: the value (or that the row does not open) is known; everything is answered at once.
 *   <li><b>held</b> ({@link EntryHold}): a tree transaction whose expected value this entry holds
 *       has staged its new value here; the published value is withdrawn and every command but the
 *       transaction's end waits in the stash (another transaction's hold that must not wait is
 *       answered busy), until the transaction applies its value or releases the entry, or, if its
 *       coordinator stops, until the backend says what is stored ({@link ManifestBackend#settle});
 *       once it asked, only that answer ends the hold. The entity does not stop while held.
 *   <li><b>failed</b> ({@link FailedEntity}): after a backend or workspace failure, every command
 *       is answered with it and nothing is written again (INV-6).
 * </ul>
 *
 * Flushing is no phase (INV-3): a flush sends the current version ({@link EntryFlushes}), the
 * versions follow one another without waiting, and the entry is clean only once its version is
 * persisted ({@link EntryState}). Durable writes flush at once and are answered when persisted;
 * cache-only writes are answered at once and flushed on ensure, passivation, max-dirty,
 * clearMemoryCache or close. Stopping is no phase either: it changes no answer, only when to stop.
 *
 * <h2>Hot reads and lifecycle</h2>
 *
 * See the package's documentation: what it publishes for reads without a message, and how it is
 * passivated and stopped (INV-6, INV-18).
 */
public final class ManifestEntity extends AbstractBehavior<Object> {

  /**
   * Most reads and clears waiting for one load: admission bounds the façade's calls in flight, this
   * a host that sends the protocol itself. Each command in it costs a few dozen bytes.
   */
  static final int STASH_CAPACITY = 100_000;

  /**
   * Room kept in the stash for what is not a manifest command (a lifecycle command, another
   * transaction's hold) while a transaction holds the entity: commands are refused before it fills.
   */
  static final int STASH_RESERVE = 1_024;

  /**
   * What the entity sends itself: its backend's failure, a value that does not encode, its idle
   * check, the end of the transaction that holds it.
   */
  private sealed interface Internal permits GatewayFailed, Unstorable, IdleCheck, HolderGone {}
  private record GatewayFailed(Throwable cause) implements Internal {}

  private record Unstorable(StorageFailedException cause) implements Internal {}
  /** Sent by a plain scheduler, not a Pekko timer: one that comes after the entity stopped is no dead letter worth logging. */
  private enum IdleCheck implements Internal, DeadLetterSuppression { INSTANCE }

  /** The coordinator of a transaction stopped (watched while it holds this entity). */
  private record HolderGone(ActorRef<HoldReply> holder) implements Internal {}
  private enum Stopping { NO, FLUSH, DISCARD }

  /** Runs an idle check's send on the scheduler's thread: a tell needs no dispatcher of its own. */
  private static final ExecutionContextExecutor ON_SCHEDULER_THREAD = ExecutionContexts.fromExecutor(Runnable::run);

  /** The entity of {@code id}, stored through {@code backend} and run by {@code host}. */
  public static Behavior<Object> create(EntryId id, ManifestBackend backend, BlobCipher cipher, EntityHost host,
      Duration passivateAfter, EntityWorkspace workspace) {
    return create(id, backend, cipher, host, passivateAfter, workspace, STASH_CAPACITY);
  }

  /** {@link #create} with a stash of {@code stashCapacity} (tests). */
  static Behavior<Object> create(EntryId id, ManifestBackend backend, BlobCipher cipher, EntityHost host,
      Duration passivateAfter, EntityWorkspace workspace, int stashCapacity) {
    return Behaviors.setup(context -> Behaviors.withStash(stashCapacity,
        stash -> new ManifestEntity(context, stash, id, backend, cipher, host, passivateAfter, workspace)));
  }

  private final StashBuffer<Object> stash;
  private final EntryId id;
  private final ManifestBackend backend;
  private final ManifestSealing sealing;
  private final EntityHost host;
  private final ActorRef<StatusReply<ManifestBackend.Reply>> backendReplies;
  private final PublishedManifests published;
  /** This entity's value in {@link #published}, withdrawn only if still its own. */
  private final PublishedManifests.Publication publication;
  private final WorkspaceHealth workspaceFailure;

  private final EntryState state = new EntryState();
  private boolean loadInFlight;
  /** Durable writers and ensures, by the version that answers them. */
  private final VersionWaiters waiters = new VersionWaiters();
  /** This entry's change-feed events, published once visible, in order. */
  private final EntryEvents events;
  /** JFR events of the load and the flushes in flight, while a recording wants them. */
  private final EntityRecording recording;
  private final EntityDirtyReport dirtyReport;
  private final EntryFlushes flushes;
  private final IdleClock idle;
  /**
   * The idle checks, sent by the system's scheduler and cancelled when the entity stops. Not a
   * Pekko timer: that wraps every message of the entity in an interceptor, and its first message
   * looks up the actor's logger, which Pekko finds by walking the stack (W7 starts an entity for
   * each file it creates: 1.4 % of its CPU went there, docs/benchmarks.md).
   */
  private final Cancellable idleChecks;
  private Stopping stopping = Stopping.NO;
  /** The tree transaction this entity serves, if any: held until it ends. */
  private final EntryHold hold;
  /**
   * The version a transaction of one change ({@link EntityCommand.Update}) wrote, until it is
   * committed (0: none): meanwhile no read sees it and every other command waits, as under a hold.
   */
  private long committing;

  private final Receive<Object> unknown;
  private final Receive<Object> loading;
  private final Receive<Object> known;
  /** Built the first time a transaction holds this entity: most never are, and entities are many. */
  private Receive<Object> holdingPhase;
  /** Built the first time a transaction of one change commits here ({@link #committing}). */
  private Receive<Object> committingPhase;

  private ManifestEntity(ActorContext<Object> context, StashBuffer<Object> stash, EntryId id, ManifestBackend backend,
      BlobCipher cipher, EntityHost host, Duration passivateAfter, EntityWorkspace workspace) {
    super(context);
    this.published = workspace.published();
    this.publication = published.publication(id);
    this.workspaceFailure = workspace.failure();
    this.stash = stash;
    this.id = id;
    this.recording = new EntityRecording(id);
    this.dirtyReport = new EntityDirtyReport(id, host, backend.ordersLaterReadsAfterFlushes());
    this.backend = backend;
    this.sealing = new ManifestSealing(id, cipher);
    this.hold = new EntryHold(id, sealing);
    this.events = new EntryEvents(id, workspace.changes());
    this.host = host;
    this.idle = new IdleClock(id, published, passivateAfter);
    ActorRef<Object> self = context.getSelf();
    Duration every = IdleClock.checkInterval(passivateAfter);
    this.idleChecks = context.getSystem().scheduler().scheduleWithFixedDelay(every, every,
        () -> self.tell(IdleCheck.INSTANCE), ON_SCHEDULER_THREAD);
    this.backendReplies = StatusReplies.adapter(context, reply -> reply.isSuccess()
        ? reply.getValue()
        : new GatewayFailed(reply.getError()));
    this.flushes = new EntryFlushes(id, state, sealing, backend, backendReplies, waiters,
        recording, () -> dirtyReport.update(state), this::cannotStore);
    this.unknown = phase(this::startLoading);
    this.loading = phase(this::waitForLoad);
    this.known = phase(null);
    host.started(context.getSelf(), id);
  }

  @Override
  public Receive<Object> createReceive() {
    return unknown;
  }

  /**
   * The behavior of a phase: how it serves reads, clears and populates, the commands that need to
   * know the stored row ({@code untilKnown}: how they wait for it; null once it is known); the rest
   * is the same in every phase. Each manifest command goes to the method for its kind ({@link
   * ManifestKinds}: a new kind does not compile until every phase serves it).
   */
  private Receive<Object> phase(Function<ManifestCommand, Behavior<Object>> untilKnown) {
    ManifestKinds<Behavior<Object>> kinds = new ManifestKinds<>() {
      @Override
      public Behavior<Object> get(GetManifest command) {
        return untilKnown != null ? untilKnown.apply(command) : onGet(command);
      }

      @Override
      public Behavior<Object> set(SetManifest command) {
        return onSet(command);
      }

      @Override
      public Behavior<Object> ensure(EnsureManifestPersistent command) {
        return onEnsure(command);
      }

      @Override
      public Behavior<Object> clear(ClearManifest command) {
        return untilKnown != null ? untilKnown.apply(command) : onClear(command);
      }

      @Override
      public Behavior<Object> populate(PopulateManifest command) {
        return untilKnown != null ? untilKnown.apply(command) : onPopulate(command);
      }
    };
    return newReceiveBuilder()
        .onMessage(ManifestCommand.class, command -> answerUnlessFailed(command, kinds))
        .onMessage(ManifestBackend.Loaded.class, this::onLoaded)
        .onMessage(ManifestBackend.Flushed.class, this::onFlushed)
        .onMessage(EntityCommand.Hold.class, this::onHold)
        .onMessage(EntityCommand.Update.class, this::onUpdate)
        .onMessageEquals(Lifecycle.FLUSH, () -> {
          flushes.flush(null);
          return phase();
        })
        .onMessageEquals(Lifecycle.FLUSH_AND_STOP, () -> onStop(Stopping.FLUSH))
        .onMessageEquals(Lifecycle.DISCARD_AND_STOP, () -> onStop(Stopping.DISCARD))
        .onMessageEquals(Lifecycle.ASK_HOST_TO_STOP, this::askHostToStop)
        .onMessageEquals(Lifecycle.DISCARD_AND_ASK_HOST_TO_STOP, this::onDiscardAndAskHostToStop)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessage(GatewayFailed.class, this::onBackendFailed)
        .onMessage(Unstorable.class, this::onUnstorable)
        .onMessage(EntityCommand.Fail.class, failure -> fail(failure.cause(), true))
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  /**
   * While a tree transaction holds the entity (or waits for its flushes to settle): its own
   * backend's replies, failures and the transaction's end are served; every other command waits.
   */
  private Receive<Object> holdingPhase() {
    if (holdingPhase == null) {
      holdingPhase = buildHoldingPhase();
    }
    return holdingPhase;
  }

  private Receive<Object> buildHoldingPhase() {
    return newReceiveBuilder()
        .onMessage(EntityCommand.Apply.class, apply -> hold.decidedBy(apply.holder(), apply.transaction())
            ? onApply() : Behaviors.same())
        .onMessage(EntityCommand.Release.class, release -> hold.decidedBy(release.holder(), release.transaction())
            ? onRelease(release.outcomeUnknown()) : Behaviors.same())
        .onMessage(HolderGone.class, gone -> hold.decidedByEndOf(gone.holder())
            ? onRelease(hold.answered()) : Behaviors.same())
        .onMessage(ManifestBackend.Settled.class, this::onSettled)
        .onMessage(ManifestBackend.Loaded.class, this::onLoaded)
        .onMessage(ManifestBackend.Flushed.class, this::onFlushed)
        .onMessage(GatewayFailed.class, this::onBackendFailed)
        .onMessage(Unstorable.class, this::onUnstorable)
        .onMessage(EntityCommand.Fail.class, failure -> fail(failure.cause(), true))
        .onMessageEquals(IdleCheck.INSTANCE, Behaviors::same) // held is not idle
        .onMessage(EntityCommand.Hold.class, next -> !next.waits(), next -> {
          next.busy();
          return Behaviors.same();
        })
        .onMessage(Object.class, this::waitForRelease)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  /**
   * While a transaction of one change commits here ({@link #committing}): the backend's replies and
   * failures are served; every other command waits, reads too, as under a hold.
   */
  private Receive<Object> committingPhase() {
    if (committingPhase == null) {
      committingPhase = newReceiveBuilder()
          .onMessage(ManifestBackend.Flushed.class, this::onFlushed)
          .onMessage(GatewayFailed.class, this::onBackendFailed)
          .onMessage(Unstorable.class, this::onUnstorable)
          .onMessage(EntityCommand.Fail.class, failure -> fail(failure.cause(), true))
          .onMessageEquals(IdleCheck.INSTANCE, Behaviors::same) // it is writing: not idle
          .onMessage(Object.class, this::waitForRelease)
          .onSignal(PostStop.class, signal -> onPostStop())
          .build();
    }
    return committingPhase;
  }

  private Behavior<Object> onPostStop() {
    backend.close();
    reportStopped();
    return Behaviors.same();
  }

  /** Tells the host that this entity has stopped (from its PostStop, in whatever phase it stopped). */
  private void reportStopped() {
    idleChecks.cancel();
    publication.withdraw(); // before the host learns that this entity stopped
    host.stopped(getContext().getSelf(), id);
  }

  /** The phase of what is known now: what a command's handler returns (a command never stops the entity). */
  private Receive<Object> phase() {
    return hold.active() ? holdingPhase() : committing != 0 ? committingPhase()
        : state.known() || state.corrupt() != null ? known : loadInFlight ? loading : unknown;
  }

  /**
   * The phase, or stopped if the entity is stopping and nothing is in flight any more: what the
   * handlers of what settles it (a load, a flush, the stop itself) return.
   */
  private Behavior<Object> current() {
    return stopping != Stopping.NO && !hold.active() && !loadInFlight && state.settled() ? Behaviors.stopped() : phase();
  }

  /** Serves {@code command} as its kind says, unless the workspace failed: then that is the answer. */
  private Behavior<Object> answerUnlessFailed(ManifestCommand command, ManifestKinds<Behavior<Object>> kinds) {
    return refusedAfterFailure(command) ? phase() : command.kind(kinds);
  }

  /**
   * Counts {@code message} (a manifest command or a transaction's hold) as activity, and answers it
   * with the workspace's failure if it failed (INV-6): whether it did.
   */
  private boolean refusedAfterFailure(Object message) {
    idle.active();
    StorageException failure = workspaceFailure.forNextCall();
    if (failure != null) {
      EntityCommand.refuse(message, failure);
    }
    return failure != null;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  private Behavior<Object> onGet(GetManifest command) {
    command.replyTo().tell(!state.known() ? StatusReply.error(state.corrupt())
        : state.value() != null ? StatusReply.success(state.value()) : StatusReply.error(EntryMissingException.manifest(id)));
    return phase();
  }

  private Behavior<Object> onSet(SetManifest command) {
    state.write(command.manifest(), command.removedChunkIds());
    publication.publish(state.value());
    if (command.cacheOnly()) {
      dirtyReport.update(state);
      command.replyTo().tell(StatusReply.ack());
    } else {
      flushes.flushAnswering(command.replyTo()); // reports the dirty state: with a backend that orders reads after it, none
    }
    events.changed(state.version(), !command.cacheOnly(), state.persistedVersion(), command.manifest().needSync(),
        ChangeCause.LOCAL_WRITE);
    return phase(); // reads stashed for a load wait for it still, and get this value
  }

  private Behavior<Object> onEnsure(EnsureManifestPersistent command) {
    flushes.flush(null);
    waiters.await(state.version(), state.persistedVersion(), command.replyTo()::tell);
    return phase();
  }

  /** Stores the fetched value only if the entry has none here; answers what it holds afterwards. */
  private Behavior<Object> onPopulate(PopulateManifest command) {
    if (!state.known()) {
      command.replyTo().tell(StatusReply.error(state.corrupt())); // a stored row, unreadable: never overwritten
    } else if (state.value() != null) {
      command.replyTo().tell(StatusReply.success(state.value()));
    } else {
      LocalManifest fetched = command.fetched();
      state.write(fetched, Set.of());
      publication.publish(fetched);
      flushes.flush(null);
      events.changed(state.version(), true, state.persistedVersion(), fetched.needSync(), ChangeCause.POPULATE);
      waiters.await(state.version(), state.persistedVersion(), reply -> command.replyTo().tell(
          reply.isSuccess() ? StatusReply.success(fetched) : StatusReply.error(reply.getError())));
    }
    return phase();
  }

  private Behavior<Object> onClear(ClearManifest command) {
    if (state.known() && state.value() == null) {
      command.replyTo().tell(StatusReply.error(EntryMissingException.manifest(id)));
      return phase();
    }
    // Cached, or stored but unreadable: delete it, with its pending removed chunks, in one write.
    state.clear();
    publication.withdraw();
    flushes.flushAnswering(command.replyTo());
    events.changed(state.version(), true, state.persistedVersion(), false, ChangeCause.CLEARED);
    return phase();
  }

  private Behavior<Object> onStop(Stopping how) {
    stopping = how;
    if (how == Stopping.DISCARD) {
      discardUnsent();
      dirtyReport.silence(); // it stops: nothing it does from now on is the host's business
    } else {
      flushes.flush(null);
    }
    return current();
  }

  private Behavior<Object> askHostToStop() {
    host.passivate(getContext().getSelf(), id);
    return phase();
  }

  private Behavior<Object> onDiscardAndAskHostToStop() {
    discardUnsent();
    state.forget(); // until the host stops it, reads see no discarded value: the successor loads the stored one
    return askHostToStop();
  }

  /** Drops what was not sent; reads must not be served it: from now on they ask (the host buffers them for a successor). */
  private void discardUnsent() {
    publication.withdraw();
    state.discardUnsent();
    events.drop();
    dirtyReport.forget(); // the host forgot this entry's dirty state when it asked
  }

  private Behavior<Object> onIdleCheck() {
    if (idle.idleNow() && stopping == Stopping.NO) {
      host.passivate(getContext().getSelf(), id);
    }
    return phase();
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  private Behavior<Object> startLoading(Object command) {
    loadInFlight = true;
    recording.loadSent();
    backend.load(id, backendReplies);
    return waitForLoad(command);
  }

  /** A command (or a transaction's hold) waits for the load in flight. */
  private Behavior<Object> waitForLoad(Object command) {
    if (stash.isFull()) {
      EntityCommand.refuse(command, new StorageOverloadedException(stash.capacity() + " calls wait for manifest " + id
          + " to load: this one was refused, retry once some have completed"));
    } else {
      stash.stash(command);
    }
    return loading;
  }


  private Behavior<Object> onLoaded(ManifestBackend.Loaded loaded) {
    loadInFlight = false;
    boolean used = false;
    try {
      used = state.loaded(loaded.sealed(), sealing);
      if (used && state.value() != null) {
        publication.publish(state.value());
      }
    } catch (CorruptEntryException e) {
      getContext().getLog().warn("manifest {} is corrupt: {}", id, e.getMessage());
    }
    recording.loaded(loaded.sealed().isPresent(), used);
    return hold.active() ? holdingPhase() : unstashAll(); // held: a write had won the race, nothing waited for it
  }

  /** Serves what waited, in order, in the phase of what is known now. */
  private Behavior<Object> unstashAll() {
    Behavior<Object> next = stash.unstashAll(phase());
    return next == unknown || next == loading || next == known || next == holdingPhase || next == committingPhase
        ? current() : next;
  }

  // ---------------------------------------------------------------------------------------------
  // Flushing

  /**
   * A value accepted does not encode ({@link EntryFlushes}): a bug of the checks at the call, which
   * must not lose an acknowledged write in silence. The failure is recorded first (no later call
   * succeeds), then every waiter hears it and the host fails the workspace or this entity.
   */
  private void cannotStore(StorageFailedException cause) {
    getContext().getLog().error("{}", cause.getMessage(), cause.getCause());
    workspaceFailure.record(cause);
    getContext().getSelf().tell(new Unstorable(cause)); // a command handler called this: the next message fails it
  }

  private Behavior<Object> onUnstorable(Unstorable unstorable) {
    Behavior<Object> failing = fail(unstorable.cause(), false);
    host.cannotStore(getContext().getSelf(), id, unstorable.cause());
    return failing;
  }

  private Behavior<Object> onFlushed(ManifestBackend.Flushed flushed) {
    state.persisted(flushed.version());
    recording.persisted(state.persistedVersion());
    // The host hears "clean" before the writers hear "done": whatever a writer asks the host next
    // (stats, need-sync) is ordered after it.
    dirtyReport.flushed(state);
    waiters.persisted(state.persistedVersion());
    events.persisted(state.persistedVersion());
    if (hold.active()) {
      hold.answerOnceSettled(state, getContext().getSelf(), backend);
    }
    if (committing != 0 && state.persistedVersion() >= committing) {
      committing = 0; // the writer heard first (the backend answers it, or the waiters above did)
      publication.publish(state.value());
      return unstashAll();
    }
    return current();
  }

  // ---------------------------------------------------------------------------------------------
  // Tree transactions (EntityCommand.Hold)

  /**
   * A transaction asks to hold this entity: it must know its value first (a load, as for a read).
   * If the value is the expected one, the changed value is sealed and staged, reads stop being
   * served from the published value, and every other command waits; the holder hears {@link
   * HoldReply.Held} once no flush of this entity is in flight, so that its commit comes after them.
   */
  private Behavior<Object> onHold(EntityCommand.Hold next) {
    if (refusedAfterFailure(next)) {
      return phase();
    }
    boolean absenceUnchecked = false;
    if (!state.known()) {
      if (state.corrupt() != null) {
        next.refuse(state.corrupt());
        return phase();
      }
      if (loadInFlight || next.change().expected().isPresent() || !backend.commitChecksAbsence()) {
        return loadInFlight ? waitForLoad(next) : startLoading(next);
      }
      // A create (a new file, say): taken as absent without a load, which its commit checks. A
      // load is a round trip to a reader on every create's path, while its folder is held.
      state.loaded(Optional.empty(), sealing);
      absenceUnchecked = true;
    }
    if (!hold.take(next, state, absenceUnchecked)) {
      if (absenceUnchecked) {
        state.forget(); // not taken (its value does not seal): nothing is known of the entry
      }
      return phase();
    }
    publication.withdraw(); // reads wait for the transaction: none sees it half applied
    if (!isParent(next.holder())) {
      getContext().watchWith(next.holder(), new HolderGone(next.holder()));
    }
    if (!backend.knowsRevision()) {
      flushes.flush(null); // its first write: the commit then replaces the revision it stores
    }
    hold.answerOnceSettled(state, getContext().getSelf(), backend);
    return holdingPhase();
  }

  /**
   * A transaction of one change: if the value is the expected one, the entity writes the updated
   * value durably (one flush: the value with its removed chunks), withdraws its published value
   * and serves nothing else until the flush commits ({@link #committingPhase}); the writer hears
   * then. Otherwise {@link ConflictException}, nothing changed.
   */
  private Behavior<Object> onUpdate(EntityCommand.Update update) {
    if (refusedAfterFailure(update)) {
      return phase();
    }
    if (!state.known()) {
      if (state.corrupt() != null) {
        EntityCommand.refuse(update, state.corrupt());
        return phase();
      }
      return loadInFlight ? waitForLoad(update) : startLoading(update);
    }
    ManifestChange change = update.change();
    if (!Objects.equals(change.expected().orElse(null), state.value())) {
      EntityCommand.refuse(update, new ConflictException(Set.of(id)));
      return phase();
    }
    state.write(change.updated(), change.removedChunkIds());
    publication.withdraw(); // reads wait for the commit: none sees a value that may not be stored
    committing = state.version();
    flushes.flushAnswering(update.replyTo());
    events.changed(state.version(), true, state.persistedVersion(), change.updated().needSync(),
        ChangeCause.TRANSACTION);
    return phase();
  }

  /** The transaction committed: its value is this entry's, stored; reads see it from now on. */
  private Behavior<Object> onApply() {
    state.committed(hold.updated());
    backend.committedByTransaction();
    publication.publish(state.value());
    dirtyReport.flushed(state);
    waiters.persisted(state.persistedVersion());
    events.changed(state.version(), true, state.persistedVersion(), state.value().needSync(), ChangeCause.TRANSACTION);
    return endHold();
  }

  /**
   * The transaction ended without this entry's value; if it may have committed all the same ({@code
   * outcomeUnknown}: its commit failed without saying whether, or its coordinator stopped after it
   * had this entity's staged write), the backend says what is stored first ({@link #onSettled}).
   */
  private Behavior<Object> onRelease(boolean outcomeUnknown) {
    if (outcomeUnknown) {
      hold.awaitSettled();
      backend.settle(id, backendReplies);
      return holdingPhase();
    }
    if (hold.absenceUnchecked()) {
      state.forget(); // absent only as the hold expected, unchecked: the next call loads the entry
    } else {
      publication.publish(state.value());
    }
    return endHold();
  }

  /** What is stored once the transaction's commit, if it was sent, is decided: its value, if it committed. */
  private Behavior<Object> onSettled(ManifestBackend.Settled settled) {
    if (!hold.settling()) {
      return phase(); // no settle of the hold now (none is sent otherwise): nothing to decide
    }
    return hold.committed(settled) ? onApply() : onRelease(false);
  }

  /**
   * Whether {@code holder} is this entity's parent: local mode's supervisor, which coordinates its
   * transactions itself and stops only with its entities. Nothing to watch then (a watch and an
   * unwatch are two messages to the holder at every hold).
   */
  private boolean isParent(ActorRef<HoldReply> holder) {
    return holder.path().equals(getContext().getSelf().path().parent());
  }

  private Behavior<Object> endHold() {
    if (!isParent(hold.holder())) {
      getContext().unwatch(hold.holder());
    }
    hold.end();
    return unstashAll();
  }

  /** Any other message waits for the transaction to end; commands are refused before the stash fills. */
  private Behavior<Object> waitForRelease(Object message) {
    if (message instanceof ManifestCommand command && stash.size() >= stash.capacity() - STASH_RESERVE) {
      StatusReplies.error(command, new StorageOverloadedException(stash.size() + " calls wait for a transaction on"
          + " manifest " + id + ": this one was refused, retry once some have completed"));
    } else if (stash.isFull()) {
      EntityCommand.refuse(message, new StorageOverloadedException("manifest " + id + " has too many calls waiting"));
      getContext().getLog().error("manifest {}: {} dropped, the stash is full", id, message);
    } else {
      stash.stash(message);
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------------------------------------
  // Failure

  private Behavior<Object> onBackendFailed(GatewayFailed failed) {
    Behavior<Object> failing = fail(FailedEntity.asStorageFailure(failed.cause()), false);
    host.backendFailed(getContext().getSelf(), id);
    return failing;
  }

  /**
   * The database failed: answer every waiter and stashed command, and from now on answer every
   * command with the failure. Nothing is ever written again (INV-6). An entity told to stop before
   * stops now: what it waited for to stop will never come, and its host told it once (a shard does
   * not send the stop message again to an entity it is passivating).
   */
  private Behavior<Object> fail(StorageException cause, boolean stopNow) {
    publication.withdraw();
    hold.fail(cause); // a holder waiting for its answer hears it; once answered, the commit decides, and a successor reads it
    waiters.fail(cause);
    events.drop();
    Behavior<Object> failing = FailedEntity.create(cause, this::reportStopped);
    stash.unstashAll(failing);
    return stopNow || stopping != Stopping.NO ? Behaviors.stopped() : failing;
  }
}
