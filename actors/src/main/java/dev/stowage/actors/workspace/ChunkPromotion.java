package dev.stowage.actors.workspace;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.PromoteChunkToBlock;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.WorkspaceEvent;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * {@code promoteChunkToBlock} (SPEC 6b), in both modes: the chunk is read, written as a block, and
 * only once the block is committed deleted from the chunks. A crash between the two leaves the
 * data in both places, never in neither; promoting again finishes it. Each step is an ordinary
 * request to the workspace's own supervisor, so it is ordered, checked and failed like any other
 * (a missing chunk is an {@code EntryMissingException}, a failed workspace a {@code
 * StorageFailedException}).
 *
 * <p>A chunk id is written once (its content does not change), so nothing can come between the read
 * and the delete that the delete would lose.
 */
public final class ChunkPromotion {
  private final ActorRef<StorageCommand> supervisor;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final Executor executor;
  private final ChangePublisher changes;

  public ChunkPromotion(ActorRef<StorageCommand> supervisor, Scheduler scheduler, Duration timeout, Executor executor,
      ChangePublisher changes) {
    this.supervisor = supervisor;
    this.changes = changes;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.executor = executor;
  }

  /** Promotes {@code request}'s chunk and answers its {@code replyTo}. */
  public void promote(PromoteChunkToBlock request) {
    ChunkId id = request.id();
    CompletionStage<Done> promoted = this.<byte[]>ask(replyTo -> new GetChunk(id, replyTo))
        .thenCompose(data -> this.<Done>ask(replyTo -> new SetBlock(id, data, replyTo)))
        .thenCompose(blockStored -> this.<Done>ask(replyTo -> new ClearChunk(id, replyTo)))
        .thenApply(done -> {
          if (changes.active()) {
            changes.publish(new WorkspaceEvent.ChunkPromoted(id));
          }
          return done;
        });
    StatusReplies.when(promoted, request.replyTo(), executor);
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, StorageCommand> request) {
    return AskPattern.askWithStatus(supervisor, request::apply, timeout, scheduler);
  }
}
