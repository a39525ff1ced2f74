package dev.stowage.cluster;

import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.state.javadsl.DurableStateStore;

/**
 * Cluster mode's {@link ManifestBackend} for one entity: a row of pekko-persistence-jdbc's
 * durable-state table per manifest, read with the plugin's {@code getObject} and written through
 * the node's {@link DurableStateWriter}, which commits the flushes of all the node's entities that
 * arrive together in one transaction, in the plugin's row format.
 *
 * <h2>Why not DurableStateBehavior, nor the plugin's upsertObject</h2>
 *
 * A {@code DurableStateBehavior} persists on every state change before it handles the next
 * command. The entity's contract is write-behind: a cache-only write is answered at once and
 * written later, many writes may share one flush, and a flush must not block reads. The plugin's
 * {@code upsertObject} writes one row per transaction (two round trips, a commit each): at 64
 * writers the commits, not the rows, are what PostgreSQL spends its time on.
 *
 * <h2>Revisions</h2>
 *
 * Operations of this entity run one after another. Its first operation, read or write, takes the
 * row over: it moves the stored revision on by one, without changing the row (or stores a
 * tombstone at revision 1 if there is none), and reads it, in one statement through the node's
 * writer. After that each write names the next revision, applied only if the stored revision is
 * the one before, and a read is a plain read. An older incarnation's write still on its way, which
 * replaces the revision that incarnation knew, is therefore refused once this one took the row
 * over: a hand-off that force-stopped an entity with a flush queued, or PostgreSQL running that
 * flush late after a stall, cannot replace what the successor read (a read going backwards), and
 * two nodes that both run an entity (a split brain) cannot both have their writes applied. A
 * refused write fails the entity, which is passivated, and its successor takes the row over again.
 * After a failed operation the revision is not known, and the next operation takes the row over
 * too; a stopped entity sends nothing more ({@link #close}). The price is a write, not a read, as
 * an entity's first operation: it goes through the writer's group commit with the others. A
 * cleared entry is a tombstone (empty payload, tag {@code deleted}), so revisions never restart.
 *
 * <h2>Removed chunks (INV-1, INV-2)</h2>
 *
 * The chunks a flush no longer references are deleted in the transaction that writes its row: a
 * manifest never references a deleted chunk, and no chunk a committed manifest dropped survives.
 */
final class DurableStateManifestBackend implements ManifestBackend {

  /** The payload of a cleared entry. A sealed manifest is never empty. */
  static final byte[] TOMBSTONE = new byte[0];

  private final DurableStateStore<byte[]> store;
  private final ActorRef<DurableStateWriter.Command> writer;
  private final String workspaceId;
  private final ClusterDatabase database;
  /** The stored revision after the last operation sent; null before the first. Entity-thread only. */
  private CompletableFuture<Long> revision;
  /** The revision the last tree transaction to hold the entity replaces ({@link #heldRevision}). */
  private long transactionReplaces = -1;
  /** Whether the entity settled ({@link #settle}) since a transaction last held it: the settle knows the revision. */
  private boolean settledSinceHeld;
  /** Whether the entity stopped ({@link #close}): an operation not sent by then is not sent. */
  private volatile boolean closed;
  /** The operation sent to the writer last; {@link #close} fails it, so that the writer skips it if it has not run it. */
  private volatile CompletableFuture<?> sent;

  DurableStateManifestBackend(DurableStateStore<byte[]> store, ActorRef<DurableStateWriter.Command> writer,
      String workspaceId, ClusterDatabase database) {
    this.store = store;
    this.writer = writer;
    this.workspaceId = workspaceId;
    this.database = database;
  }

  /** A row as this backend read it: its revision and payload (empty if none or a tombstone). */
  private record Row(long revision, Optional<byte[]> payload) {}

  @Override
  public void load(EntryId id, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    CompletableFuture<Row> read = previous().thenCompose(known -> read(persistenceId, known));
    revision = read.thenApply(Row::revision);
    read.whenComplete((row, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Loaded(row.payload()))
        : StatusReply.error(failure("loading", id, error))));
  }

  @Override
  public void flush(EntryId id, Flush flush, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    byte[] payload = flush.deletes() ? TOMBSTONE : flush.sealed();
    String tag = SyncTag.of(flush).text();
    CompletableFuture<Long> written = previous()
        .thenCompose(known -> known != null ? CompletableFuture.completedFuture(known)
            : takeOver(persistenceId).thenApply(DurableStateRows.TakenOver::revision))
        .thenCompose(held -> send(new DurableStateWriter.Upsert(new DurableStateRows.Write(workspaceId,
            persistenceId, held + 1, payload, tag, flush.removedChunkIds(), flush.deletes()),
            new CompletableFuture<>())));
    revision = written;
    // The entity answers the durable writer (answersWriters() is false): it reports the entry clean
    // to its node first, so that a caller who then asks for the workspace's stats sees it clean.
    written.whenComplete((ignored, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Flushed(flush.version()))
        : StatusReply.error(failure("flushing", id, error))));
  }

  /**
   * Takes the row over once no tree transaction writes it, and reads it: a transaction's commit
   * holds the row's advisory lock ({@link ClusterTransactions}) until it commits or rolls back, so
   * the barrier waits for a commit its coordinator sent, whichever way it ends; and the take-over
   * refuses a commit that has not been sent yet. The entity settles when it learns that its
   * holder stopped, and Pekko's death watch may say so of a coordinator that still runs: a watch
   * of an actor on a node that rejoined under the same host and port, before this node has seen
   * it up, is answered at once as terminated. Such a coordinator may then commit after this read,
   * and its commit, replacing the revision it held, must fail rather than be acknowledged with
   * the entity no longer holding its value.
   */
  @Override
  public void settle(EntryId id, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    settledSinceHeld = true;
    CompletableFuture<Row> read = previous().thenCompose(ignored ->
        ClusterTransactions.awaitCommits(database, persistenceId).thenCompose(done -> takeOver(persistenceId)))
        .thenApply(taken -> new Row(taken.revision(), stored(taken.payload())));
    revision = read.thenApply(Row::revision);
    read.whenComplete((row, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Settled(row.payload()))
        : StatusReply.error(failure("settling", id, error))));
  }

  /** The revision read or written last, if the last operation succeeded and nothing is in flight; else -1. */
  @Override
  public long heldRevision() {
    settledSinceHeld = false;
    transactionReplaces = revision != null && revision.isDone() && !revision.isCompletedExceptionally()
        ? revision.join() : -1;
    return transactionReplaces;
  }

  /** Whether it took its row over, or is taking it over: not before its first operation, nor after a failed one. */
  @Override
  public boolean knowsRevision() {
    return revision != null && !(revision.isDone() && revision.isCompletedExceptionally());
  }

  /**
   * The transaction stored the revision after the held one, or (blind) one this backend does not
   * know; if the entity settled since, its take-over, after that commit, is the revision stored.
   */
  @Override
  public void committedByTransaction() {
    if (!settledSinceHeld) {
      revision = transactionReplaces >= 0 ? CompletableFuture.completedFuture(transactionReplaces + 1) : null;
    }
  }

  /**
   * The entity stopped: what it has not sent yet is not sent, and its last operation, if the
   * writer has not run it yet, is not run. (A hand-off stops an entity that could not flush; its
   * successor takes the row over, which refuses anything of this one that PostgreSQL runs late.)
   */
  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> last = sent;
    if (last != null) {
      last.completeExceptionally(new StorageFailedException("the entity stopped before its write was sent"));
    }
  }

  /**
   * Completes, once the previous operation is done, with the revision it read or wrote; with null
   * before the first operation and after a failed one: the revision stored is then not known.
   */
  private CompletableFuture<Long> previous() {
    return revision == null
        ? CompletableFuture.completedFuture(null)
        : revision.handle((stored, error) -> error == null ? stored : null);
  }

  /**
   * Reads the row: a plain read if this incarnation knows its revision (it took the row over
   * already); else it takes the row over ({@link DurableStateRows#takeOver}), so that no write of
   * an older incarnation still on its way replaces what this one reads.
   */
  private CompletableFuture<Row> read(String persistenceId, Long known) {
    if (known == null) {
      return takeOver(persistenceId).thenApply(taken -> new Row(taken.revision(), stored(taken.payload())));
    }
    return PlainFutures.of(store.getObject(persistenceId))
        .thenApply(result -> new Row(result.revision(), stored(result.value())));
  }

  private CompletableFuture<DurableStateRows.TakenOver> takeOver(String persistenceId) {
    return send(new DurableStateWriter.TakeOver(persistenceId, new CompletableFuture<>()));
  }

  /** Sends {@code operation} to the writer unless the entity stopped; returns its future. */
  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> send(DurableStateWriter.Operation operation) {
    CompletableFuture<T> done = (CompletableFuture<T>) operation.done();
    if (closed) {
      done.completeExceptionally(new StorageFailedException("the entity stopped before its write was sent"));
      return done;
    }
    sent = done;
    writer.tell(operation);
    return done;
  }

  private static Optional<byte[]> stored(Optional<byte[]> payload) {
    return payload.filter(bytes -> bytes.length > 0);
  }

  private static Optional<byte[]> stored(byte[] payload) {
    return stored(Optional.of(payload));
  }

  private StorageFailedException failure(String what, EntryId id, Throwable error) {
    Throwable cause = StatusReplies.unwrap(error);
    return cause instanceof StorageFailedException storage ? storage : new StorageFailedException(
        what + " manifest " + id + " of workspace '" + workspaceId + "' failed in the durable-state store: " + cause,
        cause);
  }
}
