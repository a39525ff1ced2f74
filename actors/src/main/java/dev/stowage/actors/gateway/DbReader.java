package dev.stowage.actors.gateway;

import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.Store;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * A reader of one database file, beside its {@link DbGateway}: one actor on its own pinned thread,
 * owning one reader connection ({@link LocalDatabase#openReader}, {@code query_only}) that it alone
 * uses (INV-12).
 *
 * <h2>Reads that do not wait for the writer</h2>
 *
 * WAL lets a reader see the last committed state while the writer has a batch open. So the reads
 * whose answer may be the last commit (a manifest's load, a chunk, a block, the local chunk ids)
 * come here, and do not queue behind the writer's writes and commits. Reads that must see the
 * writer's open batch (need-sync, checkpoint, the prevent-sync pattern) stay with the writer. Every
 * {@link GatewayCommand.Run} is run as a read, at once, and answered at once; a work that tried to
 * write fails, and fails the workspace like any other database failure.
 *
 * <h2>Checkpoints</h2>
 *
 * Every {@code checkpoint-interval} the reader copies the WAL's committed pages into the database
 * file ({@code PRAGMA wal_checkpoint(PASSIVE)}), which SQLite lets any connection do while the
 * writer goes on committing. That work, about half of what a commit under load costs the writer
 * otherwise, moves off the writer's thread; the writer checkpoints on its own only as a backstop
 * ({@link LocalDatabase#BACKSTOP_CHECKPOINT_PAGES}).
 *
 * <h2>Failure</h2>
 *
 * As the writer's: a failure of SQLite closes the connection, answers the request and every later
 * one with {@link StorageFailedException}, records it in the {@link WorkspaceHealth} first, and
 * tells the owner with {@link GatewayEvent.Failed} (INV-6).
 */
public final class DbReader<S extends Store> extends AbstractBehavior<GatewayMessage<S>> {

  /** The timer message of a reader: time to checkpoint. */
  private record CheckpointDue<S>() implements GatewayMessage<S> {}

  /**
   * A reader that opens its store with {@code open} on its own thread (after the writer opened and
   * migrated the file), then tells {@code owner}. Spawn it on the pinned gateway dispatcher.
   */
  public static <S extends Store> Behavior<GatewayCommand<S>> create(
      String database, Supplier<S> open, Duration checkpointInterval, ActorRef<GatewayEvent> owner,
      WorkspaceHealth failure) {
    return GatewayLifecycle.opening(DbReader.class, database, open, owner, failure, (context, store) -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new CheckpointDue<>(), checkpointInterval);
      return new DbReader<>(context, database, store, owner, failure);
    }));
  }

  private final String database;
  private final S store;
  private final LocalDatabase db;
  private final ActorRef<GatewayEvent> owner;
  private final WorkspaceHealth failure;
  private long reads;

  private DbReader(
      ActorContext<GatewayMessage<S>> context, String database, S store, ActorRef<GatewayEvent> owner,
      WorkspaceHealth failure) {
    super(context);
    this.database = database;
    this.store = store;
    this.db = store.database();
    this.owner = owner;
    this.failure = failure;
  }

  @Override
  public Receive<GatewayMessage<S>> createReceive() {
    return newReceiveBuilder()
        .onAnyMessage(this::onCommand)
        .onSignal(PostStop.class, signal -> {
          if (!db.isClosed()) {
            store.close();
          }
          return this;
        })
        .build();
  }

  /** Typed by the ref's store: each pattern below is checked, none is a cast. */
  private Behavior<GatewayMessage<S>> onCommand(GatewayMessage<S> command) {
    if (command instanceof GatewayCommand.Run<S, ?> request) {
      return read(request);
    } else if (command instanceof CheckpointDue<S>) {
      return onCheckpointDue();
    } else if (command instanceof GatewayCommand.GetStats<S> request) {
      return onGetStats(request);
    } else if (command instanceof GatewayCommand.Close<S> request) {
      return onClose(request);
    } else if (command instanceof GatewayCommand.Vacuum<S> request) {
      request.replyTo().tell(StatusReply.error(new IllegalStateException(database + ": a reader does not vacuum")));
    }
    return this; // a writer's own timers never reach a reader
  }

  private <R> Behavior<GatewayMessage<S>> read(GatewayCommand.Run<S, R> request) {
    try {
      R result = request.operation().body().apply(store);
      reads++;
      request.replyTo().tell(StatusReply.success(result));
      return this;
    } catch (StorageFailedException e) {
      failure.record(e);
      request.replyTo().tell(StatusReply.error(e));
      return fail(e);
    } catch (StorageException e) {
      request.replyTo().tell(StatusReply.error(e)); // a missing entry, say: nothing was touched
      return this;
    } catch (RuntimeException e) {
      StorageFailedException invalidated = db.invalidate(request.operation().what(), e);
      failure.record(invalidated);
      request.replyTo().tell(StatusReply.error(invalidated));
      return fail(invalidated);
    }
  }

  private Behavior<GatewayMessage<S>> onCheckpointDue() {
    try {
      db.checkpointPassive();
      return this;
    } catch (StorageFailedException e) {
      return fail(e);
    }
  }

  private Behavior<GatewayMessage<S>> onGetStats(GatewayCommand.GetStats<S> request) {
    request.replyTo().tell(StatusReply.success(new DatabaseStats(0, 0, 0, reads, 0, db.nanosInSqlite())));
    return this;
  }

  private Behavior<GatewayMessage<S>> onClose(GatewayCommand.Close<S> request) {
    store.close();
    getContext().getLog().debug("closed the reader of {}", database);
    request.replyTo().tell(StatusReply.ack());
    return Behaviors.stopped();
  }

  private Behavior<GatewayMessage<S>> fail(StorageFailedException cause) {
    failure.record(cause);
    getContext().getLog().error("the reader of {} failed: {}", database, cause.getMessage());
    owner.tell(new GatewayEvent.Failed(database, cause));
    return GatewayLifecycle.failed(cause);
  }
}
