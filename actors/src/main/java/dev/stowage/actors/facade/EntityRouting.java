package dev.stowage.actors.facade;

import dev.stowage.actors.common.PlainFutures;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * How a façade's manifest command reaches its entity, once checked and admitted: one thread handoff
 * less per call than through the supervisor, where a mode allows it.
 *
 * <ul>
 *   <li>Local mode ({@link #local}): straight to a live entity through the {@link EntityDirectory};
 *       else through the supervisor, counted there, so that no later command for the id overtakes it.
 *   <li>Cluster mode ({@link #sharded}): straight along a {@link ManifestRoute} (the shard region),
 *       until the workspace fails or closes; refused at once while the route's {@link RouteFence}
 *       is closed (the node cannot reach a majority), before the workspace's state is looked at.
 * </ul>
 *
 * Once the workspace is ending, commands go to the supervisor (local mode: when their entity's
 * handle is closed too), which answers them as failed or closed.
 */
abstract class EntityRouting {
  final SupervisorCalls calls;

  private EntityRouting(SupervisorCalls calls) {
    this.calls = calls;
  }

  /** Asks the entity of {@code id} with the command {@code request} makes (the workspace is neither closed nor failed). */
  abstract <T> CompletionStage<T> ask(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request);

  /** Through the supervisor, as any request. */
  <T> CompletionStage<T> throughSupervisor(Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
    return calls.askNow(request::apply);
  }

  static EntityRouting local(SupervisorCalls calls, EntityDirectory directory) {
    return new EntityRouting(calls) {
      @Override
      <T> CompletionStage<T> ask(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
        EntityHandle handle = directory.enterFor(id);
        if (handle != null) {
          try {
            return PlainFutures.of(AskPattern.askWithStatus(handle.ref, request::apply, calls.timeout(),
                calls.scheduler()));
          } finally {
            directory.leave(id, handle, calls.internal());
          }
        }
        directory.routing(id);
        return calls.askInternal(replyTo -> new FacadeMessage.ViaSupervisor(request.apply(replyTo)), calls.timeout());
      }
    };
  }

  static EntityRouting sharded(SupervisorCalls calls, ManifestRoute route) {
    return new EntityRouting(calls) {
      @Override
      <T> CompletionStage<T> ask(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
        StorageException refused = route.fence().refusal();
        if (refused != null) {
          return CompletableFuture.failedFuture(refused);
        }
        if (calls.health().ending()) {
          return throughSupervisor(request);
        }
        return route.fence().guard(PlainFutures.of(AskPattern.askWithStatus(route.target(),
            replyTo -> route.envelope().apply(request.apply(replyTo)), calls.timeout(), calls.scheduler())));
      }
    };
  }
}
