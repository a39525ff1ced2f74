package dev.stowage.cluster;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.transaction.TransactionBackend;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Cluster mode's {@link dev.stowage.actors.transaction.TransactionBackend}: holds go through the
 * workspace's shard region to the entities, wherever they live; the commit is one PostgreSQL
 * transaction that writes every held row in the plugin's format ({@link DurableStateRows}), each
 * replacing exactly the revision its entity held (or, if the entity did not know it, the next one),
 * with the chunks each removes. A row another incarnation wrote meanwhile (a split brain) fails the
 * whole transaction: nothing is written.
 *
 * <p>The transaction first takes an advisory lock per row, in the order of the rows' ids, held until
 * it commits or rolls back; an entity whose coordinator stopped ({@link
 * dev.stowage.actors.entity.ManifestBackend#settle}) takes the same lock before it takes its row
 * over ({@link #awaitCommits}), so it sees the outcome of a commit that was still running, and a
 * commit sent after that is refused. PostgreSQL
 * ends a transaction idle for longer than {@code ask-timeout} (its client died mid-commit), which
 * releases the locks.
 */
final class ClusterTransactions implements TransactionBackend {
  private static final String LOCK_ROWS = "SELECT count(pg_advisory_xact_lock(k)) FROM"
      + " (SELECT hashtext(p) AS k FROM unnest(?::text[]) AS p ORDER BY p) AS rows_in_order";
  private static final String LOCK_ROW = "SELECT pg_advisory_xact_lock(hashtext(?))";

  private final String workspaceId;
  private final Consumer<EntityCommand.Hold> route;
  private final ClusterDatabase database;
  private final DurableStateRows rows;
  private final Duration idleAtMost;

  ClusterTransactions(String workspaceId, Consumer<EntityCommand.Hold> route, ClusterDatabase database,
      DurableStateRows rows, Duration idleAtMost) {
    this.workspaceId = workspaceId;
    this.route = route;
    this.database = database;
    this.rows = rows;
    this.idleAtMost = idleAtMost;
  }

  @Override
  public void hold(EntityCommand.Hold hold) {
    route.accept(hold);
  }

  @Override
  public void commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> replyTo) {
    List<DurableStateRows.Write> writes = held.stream().map(this::write).toList();
    database.transaction("committing a tree transaction of " + held.size() + " manifests", connection -> {
      try (PreparedStatement idle = connection.prepareStatement(
          "SET LOCAL idle_in_transaction_session_timeout = " + Math.max(1, idleAtMost.toMillis()))) {
        idle.execute();
      }
      try (PreparedStatement lock = connection.prepareStatement(LOCK_ROWS)) {
        lock.setArray(1, connection.createArrayOf("text", writes.stream().map(DurableStateRows.Write::persistenceId)
            .toArray()));
        try (ResultSet locked = lock.executeQuery()) {
          locked.next();
        }
      }
      long[] stored = rows.write(connection, writes);
      List<EntryId> stale = new ArrayList<>();
      for (int i = 0; i < stored.length; i++) {
        if (stored[i] == 0) {
          stale.add(held.get(i).id());
        }
      }
      if (!stale.isEmpty()) { // thrown, the transaction rolls back: nothing is written
        throw new StorageFailedException("the tree transaction was not committed: manifests " + stale + " of workspace '"
            + workspaceId + "' were written meanwhile by another incarnation of their entities, or taken back by"
            + " their entities, which had lost sight of this transaction's coordinator (a node rejoining, a split"
            + " brain); nothing was written, retry");
      }
      return Done.getInstance();
    }).whenComplete((done, error) -> replyTo.tell(error == null ? StatusReply.ack() : StatusReply.error(error)));
  }

  private DurableStateRows.Write write(HoldReply.Held held) {
    return new DurableStateRows.Write(workspaceId, ManifestIds.persistenceId(workspaceId, held.id()),
        held.revision() >= 0 ? held.revision() + 1 : DurableStateRows.Write.NEXT_REVISION, held.sealed(),
        SyncTag.of(held.write()).text(), held.removedChunkIds(), false);
  }

  /** Completes once no tree transaction writes the row of {@code persistenceId}: one that was, has ended. */
  static CompletableFuture<Void> awaitCommits(ClusterDatabase database, String persistenceId) {
    return database.transaction("waiting for tree transactions on " + persistenceId, (Connection connection) -> {
      try (PreparedStatement lock = connection.prepareStatement(LOCK_ROW)) {
        lock.setString(1, persistenceId);
        try (ResultSet locked = lock.executeQuery()) {
          locked.next();
        }
      }
      return (Void) null;
    }).toCompletableFuture();
  }
}
