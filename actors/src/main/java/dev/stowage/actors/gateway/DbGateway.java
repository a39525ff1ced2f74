package dev.stowage.actors.gateway;

import dev.stowage.actors.common.GroupCommit;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.events.GatewayCommitEvent;
import dev.stowage.actors.gateway.GatewayCommand.Close;
import dev.stowage.actors.gateway.GatewayCommand.Run;
import dev.stowage.actors.gateway.GatewayCommand.GetStats;
import dev.stowage.actors.gateway.StoreOperation.Mode;
import dev.stowage.actors.gateway.GatewayCommand.Vacuum;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * The only code that touches one database file: one actor, on its own pinned thread, owning the
 * file's one {@link LocalDatabase} connection (INV-12).
 *
 * <h2>Requests</h2>
 *
 * A {@link Run} carries a {@link StoreOperation} to run against the store, already serialized and
 * encrypted by its sender: this thread spends its time in SQLite only. Its {@link Mode} says how
 * it is answered:
 *
 * <ul>
 *   <li>{@link Mode#READ} runs at once and is answered at once. If a write batch is open, the read
 *       runs inside it and sees the batch's writes: the gateway is one serial order.
 *   <li>{@link Mode#WRITE} runs inside the open write transaction (beginning one if needed) and is
 *       answered only after the commit that holds it succeeded.
 *   <li>{@link Mode#READ_WRITE} is a read that also writes bookkeeping (a block read refreshing its
 *       recency): it joins the batch but is answered at once, since losing its write loses nothing.
 * </ul>
 *
 * <h2>Group commit</h2>
 *
 * After a write, the gateway sends itself a {@code CommitMarker} ({@link GroupCommit}). Mailboxes
 * are FIFO, so by the time the marker is processed every request that was queued behind the first
 * write has joined the batch ({@link WriteBatch}): the gateway commits when no further write is
 * queued. It commits earlier when the batch
 * holds {@code group-commit.max-batch} writes, or when its oldest write has waited {@code
 * group-commit.max-delay} (checked after every request, so a flood of reads cannot hold a commit
 * back). Under load, many writers share one commit (and with {@code durability = full}, one
 * fsync); alone, a writer waits for exactly one commit.
 *
 * <h2>Failure</h2>
 *
 * Any failure of SQLite invalidates the database (see {@link LocalDatabase}): the batch is rolled
 * back, every writer in it and every later request gets {@link StorageFailedException}, and the
 * owner is told with {@link GatewayEvent.Failed} (INV-6). The failure is recorded in the workspace's {@link
 * WorkspaceHealth} before anybody is answered with it, so that no later call, not even a read
 * served from memory, can succeed once one call has seen it. The gateway stays up, answering with the failure,
 * until its owner closes or stops it. A {@link StorageException} other than that, thrown by a work
 * before it changed anything (an entry missing, a request refused), answers that request alone.
 */
public final class DbGateway<S extends Store> extends AbstractBehavior<GatewayMessage<S>> {

  /** The longest deferred bookkeeping waits for a batch to join before it commits on its own. */
  public static final Duration DEFERRED_AT_MOST = Duration.ofSeconds(1);

  /**
   * Free pages handed back per step of an incremental vacuum: 2,000 pages of 4 KiB, 8 MiB, which
   * takes some milliseconds; a write received during a vacuum waits at most for one step.
   */
  public static final int VACUUM_STEP_PAGES = 2_000;

  /** The next step of the vacuum in progress: queued behind whatever arrived during the last one. */
  private record VacuumStepDue<S>() implements GatewayMessage<S> {}

  private record CommitMarker<S>() implements GatewayMessage<S> {}

  /** Deferred bookkeeping has waited {@link #DEFERRED_AT_MOST}: commit it. */
  private record DeferredDue<S>() implements GatewayMessage<S> {}

  /**
   * A gateway that opens its store with {@code open} on its own thread, then tells {@code owner}.
   * Spawn it on the pinned dispatcher of {@link dev.stowage.actors.StorageSettings#gatewayDispatcher()}.
   */
  public static <S extends Store> Behavior<GatewayCommand<S>> create(
      String database, Supplier<S> open, int maxBatch, Duration maxDelay, ActorRef<GatewayEvent> owner,
      WorkspaceHealth failure) {
    return GatewayLifecycle.opening(DbGateway.class, database, open, owner, failure, (context, store) -> Behaviors.withTimers(
        timers -> new DbGateway<>(context, timers, database, store, maxBatch, maxDelay, owner, failure)));
  }

  private final String database;
  private final S store;
  private final LocalDatabase db;
  private final GroupCommit groupCommit;
  private final ActorRef<GatewayEvent> owner;
  private final WorkspaceHealth failure;
  private final TimerScheduler<GatewayMessage<S>> timers;
  private final DeferredDue<S> deferredDue = new DeferredDue<>();
  private final VacuumStepDue<S> vacuumStepDue = new VacuumStepDue<>();
  /** Bookkeeping waiting for the next batch (see {@link Mode#DEFERRED}). */
  private final List<Run<S, ?>> deferred = new ArrayList<>();

  private final WriteBatch batch = new WriteBatch();
  /** The incremental vacuum in progress, if any, and who waits for it. */
  private final GatewayVacuum vacuum;

  private long reads;

  private DbGateway(
      ActorContext<GatewayMessage<S>> context, TimerScheduler<GatewayMessage<S>> timers, String database, S store, int maxBatch,
      Duration maxDelay, ActorRef<GatewayEvent> owner, WorkspaceHealth failure) {
    super(context);
    this.timers = timers;
    this.failure = failure;
    this.database = database;
    this.store = store;
    this.db = store.database();
    this.vacuum = new GatewayVacuum(database);
    CommitMarker<S> marker = new CommitMarker<>();
    this.groupCommit = new GroupCommit(maxBatch, maxDelay, () -> context.getSelf().tell(marker));
    this.owner = owner;
  }

  @Override
  public Receive<GatewayMessage<S>> createReceive() {
    return newReceiveBuilder()
        .onAnyMessage(this::onCommand)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  /** Typed by the ref's store: each pattern below is checked, none is a cast. */
  private Behavior<GatewayMessage<S>> onCommand(GatewayMessage<S> command) {
    if (command instanceof Run<S, ?> request) {
      return run(request);
    } else if (command instanceof CommitMarker<S>) {
      return onCommitMarker();
    } else if (command instanceof DeferredDue<S>) {
      return onDeferredDue();
    } else if (command instanceof Vacuum<S> request) {
      return onVacuum(request);
    } else if (command instanceof VacuumStepDue<S>) {
      return onVacuumStepDue();
    } else if (command instanceof GetStats<S> request) {
      return onGetStats(request);
    } else if (command instanceof Close<S> request) {
      return onClose(request);
    }
    return this; // a reader's checkpoint timer: not a writer's business
  }

  private <R> Behavior<GatewayMessage<S>> run(Run<S, R> request) {
    StoreOperation<S, R> operation = request.operation();
    if (operation.mode() == Mode.DEFERRED && !db.inTransaction()) {
      deferred.add(request);
      if (deferred.size() == 1) {
        timers.startSingleTimer(deferredDue, DEFERRED_AT_MOST);
      }
      return this;
    }
    try {
      if (operation.mode() != Mode.READ && !db.inTransaction()) {
        begin();
      }
      R result = operation.body().apply(store);
      switch (operation.mode()) {
        case READ -> {
          reads++;
          request.replyTo().tell(StatusReply.success(result));
        }
        case READ_WRITE -> {
          // Join the batch and queue its commit before answering, so that whatever the reader
          // asks next (a stats request, say) is ordered after the commit of this bookkeeping.
          reads++;
          batch.add(null, null, null, null);
          Behavior<GatewayMessage<S>> next = maybeCommit();
          request.replyTo().tell(StatusReply.success(result));
          return next;
        }
        case WRITE -> batch.add(request.replyTo(), result, request.writer(), request.outcome());
        case DEFERRED -> {
          // ran in the open batch: committed with it, answered to nobody
        }
      }
    } catch (StorageFailedException e) {
      failure.record(e);
      request.fail(e);
      return fail(e);
    } catch (StorageException e) {
      request.fail(e); // refused before it changed anything
    } catch (RuntimeException e) {
      StorageFailedException invalidated = db.invalidate(operation.what(), e);
      failure.record(invalidated);
      request.fail(invalidated);
      return fail(invalidated);
    }
    return maybeCommit();
  }

  /** Begins the write transaction of a batch; the deferred bookkeeping runs first in it. */
  private void begin() {
    db.begin();
    batch.opened();
    if (!deferred.isEmpty()) {
      timers.cancel(deferredDue);
      for (Run<S, ?> bookkeeping : deferred) {
        bookkeeping.operation().body().apply(store);
      }
      deferred.clear();
    }
  }

  /** Deferred bookkeeping waited long enough for a batch: commit it on its own. */
  private Behavior<GatewayMessage<S>> onDeferredDue() {
    if (deferred.isEmpty() || db.inTransaction()) {
      return this;
    }
    return runDeferredNow();
  }

  /** Begins a batch (which runs the deferred bookkeeping) and commits it. */
  private Behavior<GatewayMessage<S>> runDeferredNow() {
    try {
      begin();
      return commitOrFail();
    } catch (StorageFailedException e) {
      return fail(e);
    } catch (RuntimeException e) {
      return fail(db.invalidate("deferred bookkeeping", e));
    }
  }

  private Behavior<GatewayMessage<S>> maybeCommit() {
    if (batch.isEmpty()) {
      return this;
    }
    return groupCommit.commitNow(batch.size(), batch.openedNanos()) ? commitOrFail() : this;
  }

  private Behavior<GatewayMessage<S>> onCommitMarker() {
    groupCommit.markerArrived();
    return commitOrFail();
  }

  private Behavior<GatewayMessage<S>> commitOrFail() {
    try {
      commit();
      return this;
    } catch (StorageFailedException e) {
      return fail(e);
    }
  }

  /** Commits the open batch, if any, and answers its writers. */
  private void commit() {
    if (!db.inTransaction()) {
      return;
    }
    GatewayCommitEvent event = new GatewayCommitEvent();
    long batchOpen = event.isEnabled() ? System.nanoTime() - batch.openedNanos() : 0;
    event.begin();
    db.commit();
    event.end();
    if (event.shouldCommit()) {
      event.database = database;
      event.writes = batch.size();
      event.batchOpen = batchOpen;
      event.sizeOnDisk = db.sizeOnDisk();
      event.commit();
    }
    batch.committed();
  }

  private Behavior<GatewayMessage<S>> onVacuum(Vacuum<S> request) {
    if (vacuum.inProgress()) {
      vacuum.join(request.replyTo());
      return this;
    }
    try {
      commitWithDeferred();
      if (db.vacuumsIncrementally()) {
        if (vacuum.start(db, request.threshold(), request.replyTo())) {
          getContext().getSelf().tell(vacuumStepDue);
        }
        return this;
      }
      boolean vacuumed = db.vacuumIfLargerThan(request.threshold());
      if (vacuumed) {
        getContext().getLog().info("vacuumed {}: {} bytes on disk now", database, db.sizeOnDisk());
      }
      request.replyTo().tell(StatusReply.success(vacuumed));
      return this;
    } catch (StorageFailedException e) {
      failure.record(e);
      request.replyTo().tell(StatusReply.error(e));
      return fail(e);
    }
  }

  /** Commits what ran since the last step, runs the next one, and queues another or answers. */
  private Behavior<GatewayMessage<S>> onVacuumStepDue() {
    if (!vacuum.inProgress()) {
      return this;
    }
    try {
      commitWithDeferred();
      int steps = vacuum.step(VACUUM_STEP_PAGES);
      if (steps == 0) {
        getContext().getSelf().tell(vacuumStepDue);
      } else {
        getContext().getLog().info("vacuumed {} in {} steps: {} bytes on disk now", database, steps, db.sizeOnDisk());
      }
      return this;
    } catch (StorageFailedException e) {
      return fail(e);
    }
  }

  /** Commits the open batch, with any deferred bookkeeping in it. */
  private void commitWithDeferred() {
    if (!deferred.isEmpty() && !db.inTransaction()) {
      begin();
    }
    commit();
  }

  private Behavior<GatewayMessage<S>> onGetStats(GetStats<S> request) {
    request.replyTo().tell(StatusReply.success(
        new DatabaseStats(db.sizeOnDisk(), batch.commits(), batch.writes(), reads, batch.largest(), db.nanosInSqlite())));
    return this;
  }

  private Behavior<GatewayMessage<S>> onClose(Close<S> request) {
    try {
      commitWithDeferred();
    } catch (StorageFailedException e) {
      failure.record(e);
      request.replyTo().tell(StatusReply.error(e));
      return fail(e);
    }
    store.close();
    getContext().getLog().debug("closed {}", database);
    vacuum.cutShort();
    request.replyTo().tell(StatusReply.ack());
    return Behaviors.stopped();
  }

  /** Stopped without Close (its owner stopped, or the system is going down): commit what ran. */
  private Behavior<GatewayMessage<S>> onPostStop() {
    if (!db.isClosed()) {
      try {
        commitWithDeferred();
        store.close();
      } catch (StorageFailedException e) {
        failure.record(e);
        batch.failed(e);
      }
    }
    vacuum.cutShort();
    return this;
  }

  /** The database was invalidated: answer the failed batch, tell the owner, answer all with the failure. */
  private Behavior<GatewayMessage<S>> fail(StorageFailedException cause) {
    failure.record(cause);
    getContext().getLog().error("{} failed: {}", database, cause.getMessage());
    batch.failed(cause);
    vacuum.fail(cause);
    owner.tell(new GatewayEvent.Failed(database, cause));
    return GatewayLifecycle.failed(cause);
  }
}
