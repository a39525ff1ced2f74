package dev.stowage.cluster;

import dev.stowage.actors.common.GroupCommit;
import dev.stowage.protocol.StorageFailedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A group commit of a node's manifest writes: the manifest entities on the node, of every
 * workspace, send their flushes, and the take-overs of their rows as each incarnation starts, to
 * one of the node's writers ({@code
 * stowage.cluster.manifest-writer.connections}, a row always to the same), and a writer puts all
 * the flushes that arrived while its previous transaction was committing into the next one ({@link
 * DurableStateRows}), on a connection of its own, on a thread of its own (a pinned dispatcher: the
 * JDBC calls block).
 *
 * <p>As local mode's gateway does ({@link GroupCommit}), it commits when no further write is queued:
 * a write queues a marker behind itself, and the marker's turn commits everything before it. It
 * commits earlier when the batch holds {@code stowage.cluster.manifest-writer.max-batch} writes.
 *
 * <p>A batch of one write that is one statement (no removed chunks to delete with it) runs in
 * autocommit: PostgreSQL commits it in the round trip that runs it, as durably as a COMMIT.
 *
 * <p>Each write completes only after the commit that holds it; a stale revision (a split brain, see
 * {@link DurableStateManifestBackend}) fails that write only. If a statement fails, the transaction
 * rolls back and its writes are retried one transaction each, so a bad write fails alone; if the
 * connection or the commit fails, every write of the batch fails (a failed commit's outcome is
 * unknown to the caller, as with any database).
 */
final class DurableStateWriter extends AbstractBehavior<DurableStateWriter.Command> {

  sealed interface Command {}

  /**
   * Writes {@code write}; {@code committed} completes with the revision stored after the commit
   * that holds it, or fails.
   */
  record Upsert(DurableStateRows.Write write, CompletableFuture<Long> committed) implements Operation {
    @Override
    public CompletableFuture<?> done() {
      return committed;
    }
  }

  /**
   * Takes over the row {@code persistenceId} for a new incarnation of its entity ({@link
   * DurableStateRows#takeOver}); {@code taken} completes with the row after the commit.
   */
  record TakeOver(String persistenceId, CompletableFuture<DurableStateRows.TakenOver> taken) implements Operation {
    @Override
    public CompletableFuture<?> done() {
      return taken;
    }
  }

  /**
   * An operation on one row. One whose future is already complete when its batch is put together
   * (its entity stopped and failed it, {@link DurableStateManifestBackend#close}) is not run.
   */
  sealed interface Operation extends Command {
    CompletableFuture<?> done();
  }

  private enum CommitMarker implements Command { INSTANCE }

  static Behavior<Command> create(DataSource database, DurableStateRows rows, int maxBatch) {
    return Behaviors.setup(context -> {
      context.setLoggerName(DurableStateWriter.class);
      return new DurableStateWriter(context, database, rows, maxBatch);
    });
  }

  private final DataSource database;
  private final DurableStateRows rows;
  private final GroupCommit groupCommit;
  private final List<Operation> batch = new ArrayList<>();
  private long batchStartNanos;

  private DurableStateWriter(ActorContext<Command> context, DataSource database, DurableStateRows rows, int maxBatch) {
    super(context);
    this.database = database;
    this.rows = rows;
    this.groupCommit = new GroupCommit(maxBatch, null, () -> context.getSelf().tell(CommitMarker.INSTANCE));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Operation.class, this::onOperation)
        .onMessageEquals(CommitMarker.INSTANCE, this::onCommitMarker)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onOperation(Operation operation) {
    if (batch.isEmpty()) {
      batchStartNanos = System.nanoTime();
    }
    batch.add(operation);
    if (groupCommit.commitNow(batch.size(), batchStartNanos)) {
      commit();
    }
    return this;
  }

  private Behavior<Command> onCommitMarker() {
    groupCommit.markerArrived();
    commit();
    return this;
  }

  private void commit() {
    if (batch.isEmpty()) {
      return;
    }
    List<Operation> writes = batch.stream().filter(operation -> !operation.done().isDone()).toList();
    batch.clear();
    if (writes.isEmpty()) {
      return;
    }
    try {
      write(writes);
    } catch (StatementFailed e) {
      if (writes.size() == 1) {
        fail(writes, e.getCause());
      } else {
        for (Operation alone : writes) { // so that one bad write does not fail the others
          try {
            write(List.of(alone));
          } catch (StatementFailed | StorageFailedException again) {
            fail(List.of(alone), again instanceof StatementFailed ? again.getCause() : again);
          }
        }
      }
    } catch (StorageFailedException e) {
      fail(writes, e);
    }
  }

  /** A statement failed and its transaction rolled back: the connection is sound, a write was not. */
  private static final class StatementFailed extends Exception {
    StatementFailed(Exception cause) {
      super(cause);
    }
  }

  /** One transaction; completes each operation after the commit. */
  private void write(List<Operation> operations) throws StatementFailed {
    List<Upsert> upserts = new ArrayList<>();
    List<TakeOver> takeOvers = new ArrayList<>();
    for (Operation operation : operations) {
      if (operation instanceof Upsert upsert) {
        upserts.add(upsert);
      } else {
        takeOvers.add((TakeOver) operation);
      }
    }
    long[] stored;
    DurableStateRows.TakenOver[] taken;
    ManifestGroupCommitEvent event = new ManifestGroupCommitEvent();
    event.begin();
    List<DurableStateRows.Write> rowWrites = upserts.stream().map(Upsert::write).toList();
    // One statement is a transaction by itself: in autocommit it commits in the round trip that
    // runs it, instead of a second one for COMMIT (a lone writer's whole latency is round trips)
    boolean oneStatement = takeOvers.isEmpty()
        ? DurableStateRows.isOneStatement(rowWrites)
        : upserts.isEmpty() && takeOvers.size() == 1;
    try (Connection connection = database.getConnection()) {
      connection.setAutoCommit(oneStatement); // the pool gives it back as configured (no autocommit)
      try {
        taken = takeOvers.isEmpty() ? new DurableStateRows.TakenOver[0]
            : rows.takeOver(connection, takeOvers.stream().map(TakeOver::persistenceId).toList(), upserts.isEmpty());
        stored = upserts.isEmpty() ? new long[0] : rows.write(connection, rowWrites);
      } catch (SQLException | RuntimeException e) {
        if (!oneStatement) {
          connection.rollback();
        } // else PostgreSQL rolled the statement back itself
        if (e instanceof SQLException sql && ClusterDatabase.connectionLost(sql)) {
          throw sql;
        }
        throw new StatementFailed(e);
      }
      if (!oneStatement) {
        connection.commit();
      }
      if (event.shouldCommit()) {
        event.writes = upserts.size();
        for (long revision : stored) {
          event.applied += revision > 0 ? 1 : 0;
        }
        event.takeOvers = takeOvers.size();
        event.commit();
      }
    } catch (SQLException e) {
      throw new StorageFailedException("writing " + operations.size() + " manifests failed in PostgreSQL: "
          + e.getMessage(), e);
    }
    for (int i = 0; i < takeOvers.size(); i++) {
      takeOvers.get(i).taken().complete(taken[i]);
    }
    for (int i = 0; i < upserts.size(); i++) {
      Upsert upsert = upserts.get(i);
      if (stored[i] > 0) {
        upsert.committed().complete(stored[i]);
      } else {
        upsert.committed().completeExceptionally(new IllegalStateException("revision " + upsert.write().revision()
            + " of " + upsert.write().persistenceId() + " is stale: another incarnation of its entity took the row"
            + " over or stored that revision first"));
      }
    }
  }

  private static void fail(List<Operation> operations, Throwable cause) {
    StorageFailedException failure = cause instanceof StorageFailedException storage
        ? storage
        : new StorageFailedException("writing a manifest failed in PostgreSQL: " + cause.getMessage(), cause);
    for (Operation operation : operations) {
      operation.done().completeExceptionally(failure);
    }
  }

  private Behavior<Command> onPostStop() {
    fail(batch, new StorageFailedException("the node's manifest writer stopped before this write was committed"));
    batch.clear();
    return this;
  }
}
