package dev.stowage.cluster;

import dev.stowage.actors.ManifestBackend;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.state.javadsl.DurableStateUpdateStore;
import org.apache.pekko.persistence.state.javadsl.GetObjectResult;

/**
 * Cluster mode's {@link ManifestBackend} for one entity: pekko-persistence-jdbc's durable-state
 * store ({@link DurableStateUpdateStore}: {@code getObject}, {@code upsertObject} with revisions).
 *
 * <h2>Why the store, not DurableStateBehavior</h2>
 *
 * A {@code DurableStateBehavior} persists on every state change before it handles the next
 * command. The entity's contract is write-behind: a cache-only write is answered at once and
 * written later, many writes may share one flush, and a flush must not block reads. The store API
 * lets the same {@code ManifestEntity} state machine decide when to write, exactly as in local mode.
 *
 * <h2>Revisions</h2>
 *
 * Each upsert names the next revision of the row ({@code upsertObject} fails unless the stored
 * revision is the one before). Operations of this entity run one after another; the first learns
 * the stored revision with {@code getObject} (a blind write needs it too). If two nodes ever wrote
 * one entity (a split brain), the second upsert fails instead of overwriting: the entity fails and
 * is passivated, and its successor reloads. A cleared entry is a tombstone (empty payload, tag
 * {@code deleted}), so revisions never restart.
 *
 * <h2>Removed chunks (INV-1, weaker INV-2)</h2>
 *
 * Chunks live in another table, outside the store's transaction. They are deleted after the
 * manifest's upsert committed and before the flush is acknowledged: a crash in between leaves
 * orphan chunks (collected by {@code stowage gc}), never a manifest referencing a deleted chunk.
 */
final class DurableStateManifestBackend implements ManifestBackend {

  /** What happens after a flush committed: removing its chunks, best effort. */
  @FunctionalInterface
  interface AfterCommit {
    CompletionStage<Void> committed(EntryId id, Flush flush);
  }

  /** The payload of a cleared entry. A sealed manifest is never empty. */
  static final byte[] TOMBSTONE = new byte[0];

  private final DurableStateUpdateStore<byte[]> store;
  private final String workspaceId;
  private final AfterCommit afterCommit;
  /** The stored revision after the last operation sent; null before the first. Entity-thread only. */
  private CompletableFuture<Long> revision;

  DurableStateManifestBackend(DurableStateUpdateStore<byte[]> store, String workspaceId, AfterCommit afterCommit) {
    this.store = store;
    this.workspaceId = workspaceId;
    this.afterCommit = afterCommit;
  }

  @Override
  public void load(EntryId id, ActorRef<StatusReply<Reply>> replyTo) {
    String persistenceId = ManifestIds.persistenceId(workspaceId, id);
    CompletableFuture<GetObjectResult<byte[]>> read = afterPrevious()
        .thenCompose(ignored -> store.getObject(persistenceId)).toCompletableFuture();
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
    CompletableFuture<Long> written = knownRevision(persistenceId)
        .thenCompose(stored -> store.upsertObject(persistenceId, stored + 1, payload, tag).thenApply(done -> stored + 1))
        .toCompletableFuture();
    revision = written;
    written.thenCompose(ignored -> afterCommit.committed(id, flush))
        .whenComplete((ignored, error) -> replyTo.tell(error == null
            ? StatusReply.success(new Flushed(flush.version()))
            : StatusReply.error(failure("flushing", id, error))));
  }

  /** Completes when the previous operation did, whether it succeeded or not. */
  private CompletableFuture<Void> afterPrevious() {
    return revision == null
        ? CompletableFuture.completedFuture(null)
        : revision.handle((stored, error) -> null);
  }

  /** The stored revision: known from the previous operation, or read now. */
  private CompletableFuture<Long> knownRevision(String persistenceId) {
    if (revision == null) {
      return store.getObject(persistenceId).thenApply(GetObjectResult::revision).toCompletableFuture();
    }
    return revision.handle((stored, error) -> error == null
            ? CompletableFuture.completedFuture(stored)
            : store.getObject(persistenceId).thenApply(GetObjectResult::revision).toCompletableFuture())
        .thenCompose(stage -> stage);
  }

  private static Optional<byte[]> stored(Optional<byte[]> payload) {
    return payload.filter(bytes -> bytes.length > 0);
  }

  private StorageFailedException failure(String what, EntryId id, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return new StorageFailedException(
        what + " manifest " + id + " of workspace '" + workspaceId + "' failed in the durable-state store: " + cause,
        cause);
  }
}
