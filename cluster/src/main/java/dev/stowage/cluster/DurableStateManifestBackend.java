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
import org.apache.pekko.persistence.state.javadsl.GetObjectResult;

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
 * Operations of this entity run one after another. Once it has read or written its row, each write
 * names the next revision (applied only if the stored revision is the one before). Its first write,
 * if it has not read the row (a blind write), stores whatever revision is there plus one, in the
 * same statement, so there is no window between reading the revision and writing it, and no extra
 * round trip. If two nodes ever wrote one entity (a split brain), the stale one's next write is
 * refused instead of overwriting: the entity fails and is passivated, and its successor reloads. A
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

  DurableStateManifestBackend(DurableStateStore<byte[]> store, ActorRef<DurableStateWriter.Command> writer,
      String workspaceId, ClusterDatabase database) {
    this.store = store;
    this.writer = writer;
    this.workspaceId = workspaceId;
    this.database = database;
  }

  @Override
  public void load(EntryId id, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    CompletableFuture<GetObjectResult<byte[]>> read = afterPrevious()
        .thenCompose(ignored -> PlainFutures.of(store.getObject(persistenceId)));
    revision = read.thenApply(GetObjectResult::revision);
    read.whenComplete((result, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Loaded(stored(result.value())))
        : StatusReply.error(failure("loading", id, error))));
  }

  @Override
  public void flush(EntryId id, Flush flush, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    byte[] payload = flush.deletes() ? TOMBSTONE : flush.sealed();
    String tag = SyncTag.of(flush).text();
    CompletableFuture<Long> written = nextRevision().thenCompose(next -> {
      CompletableFuture<Long> committed = new CompletableFuture<>();
      writer.tell(new DurableStateWriter.Upsert(new DurableStateRows.Write(workspaceId, persistenceId, next,
          payload, tag, flush.removedChunkIds(), flush.deletes()), committed));
      return committed;
    });
    revision = written;
    // The entity answers the durable writer (answersWriters() is false): it reports the entry clean
    // to its node first, so that a caller who then asks for the workspace's stats sees it clean.
    written.whenComplete((ignored, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Flushed(flush.version()))
        : StatusReply.error(failure("flushing", id, error))));
  }

  /**
   * Reads the row once no tree transaction writes it: a transaction's commit holds the row's
   * advisory lock ({@link ClusterTransactions}) until it commits or rolls back, so the
   * barrier waits for a commit a coordinator sent before it stopped, whichever way it ends.
   */
  @Override
  public void settle(EntryId id, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    CompletableFuture<GetObjectResult<byte[]>> read = afterPrevious()
        .thenCompose(ignored -> ClusterTransactions.awaitCommits(database, persistenceId))
        .thenCompose(ignored -> PlainFutures.of(store.getObject(persistenceId)));
    revision = read.thenApply(GetObjectResult::revision);
    read.whenComplete((result, error) -> replyTo.tell(error == null
        ? StatusReply.success(new Settled(stored(result.value())))
        : StatusReply.error(failure("settling", id, error))));
  }

  /** The revision read or written last, if the last operation succeeded and nothing is in flight; else -1. */
  @Override
  public long heldRevision() {
    transactionReplaces = revision != null && revision.isDone() && !revision.isCompletedExceptionally()
        ? revision.join() : -1;
    return transactionReplaces;
  }

  /** The transaction stored the revision after the held one, or (blind) one this backend does not know. */
  @Override
  public void committedByTransaction() {
    revision = transactionReplaces >= 0 ? CompletableFuture.completedFuture(transactionReplaces + 1) : null;
  }

  /** Completes when the previous operation did, whether it succeeded or not. */
  private CompletableFuture<Void> afterPrevious() {
    return revision == null
        ? CompletableFuture.completedFuture(null)
        : revision.handle((stored, error) -> null);
  }

  /**
   * The revision the next write stores, once the previous operation is done: the one after the
   * revision it read or wrote; or, before the first operation and after a failed one, whatever is
   * stored then plus one ({@link DurableStateRows.Write#NEXT_REVISION}).
   */
  private CompletableFuture<Long> nextRevision() {
    return revision == null
        ? CompletableFuture.completedFuture(DurableStateRows.Write.NEXT_REVISION)
        : revision.handle((stored, error) -> error == null ? stored + 1 : DurableStateRows.Write.NEXT_REVISION);
  }

  private static Optional<byte[]> stored(Optional<byte[]> payload) {
    return payload.filter(bytes -> bytes.length > 0);
  }

  private StorageFailedException failure(String what, EntryId id, Throwable error) {
    Throwable cause = StatusReplies.unwrap(error);
    return cause instanceof StorageFailedException storage ? storage : new StorageFailedException(
        what + " manifest " + id + " of workspace '" + workspaceId + "' failed in the durable-state store: " + cause,
        cause);
  }
}
