package dev.stowage.actors.facade;

import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.transaction.TransactionNumbers;
import dev.stowage.actors.transaction.TransactionRun;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.NotDeliveredException;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.ManifestKinds;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
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
 *       is closed (the node cannot reach a majority), before the workspace's state is looked at. A
 *       read or an ensure that Cluster Sharding dropped on its way (a shard hand-off: {@link
 *       NotDeliveredException}) is sent again; any other command fails with it, not applied.
 * </ul>
 *
 * Once the workspace is ending, commands go to the supervisor (local mode: when their entity's
 * handle is closed too), which answers them as failed or closed.
 */
abstract class EntityRouting {
  /**
   * How many times in all a read or an ensure is sent when it does not reach its entity: once more
   * for each shard hand-off that drops it on its way, and one hand-off after another of the same
   * shard is rare. Each is answered at once, so a few sends stay well within ask-timeout.
   */
  static final int SENDS_WHEN_NOT_DELIVERED = 3;

  /**
   * Whether the façade sends a command again when it did not reach its entity ({@link
   * NotDeliveredException}: nothing of it was applied). Reads and ensures, which change no value: sent
   * again, they may arrive after the caller's later calls on the entry, and that changes nothing. A
   * write, a clear or a populate could then land after a later write of the same caller (the drop
   * broke the order in which the caller sent them): the caller decides whether to send it again.
   */
  static final ManifestKinds<Boolean> RESENT_WHEN_NOT_DELIVERED = new ManifestKinds<>() {
    @Override
    public Boolean get(GetManifest command) {
      return true;
    }

    @Override
    public Boolean set(SetManifest command) {
      return false;
    }

    @Override
    public Boolean ensure(EnsureManifestPersistent command) {
      return true;
    }

    @Override
    public Boolean clear(ClearManifest command) {
      return false;
    }

    @Override
    public Boolean populate(PopulateManifest command) {
      return false;
    }
  };

  final SupervisorCalls calls;

  private EntityRouting(SupervisorCalls calls) {
    this.calls = calls;
  }

  /** Asks the entity of {@code id} with the command {@code request} makes (the workspace is neither closed nor failed). */
  abstract <T> CompletionStage<T> ask(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request);

  /**
   * Asks the entity of {@code id} with the message {@code request} makes (not a manifest command: a
   * transaction of one change) if it is live and may be reached directly; null if not (the caller
   * sends it through the supervisor then). Local mode only.
   */
  <T> CompletionStage<T> askLive(EntryId id, Function<ActorRef<StatusReply<T>>, Object> request) {
    return null;
  }

  /**
   * Starts the tree transaction of {@code checked} (two changes or more, checked), sending its first
   * round of holds from here, straight to the live entities, instead of through the supervisor that
   * coordinates it: one hop sooner. Null if this mode does not (cluster mode: the supervisor starts
   * a coordinator). Local mode only.
   */
  CompletionStage<Done> startTransaction(List<ManifestChange> checked) {
    return null;
  }

  /** Through the supervisor, as any request. */
  <T> CompletionStage<T> throughSupervisor(Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
    return calls.askNow(request::apply);
  }

  /**
   * @param supervisor the workspace's supervisor: it coordinates local mode's transactions and is
   *     the holder of their entities, numbered by {@code numbers}
   */
  static EntityRouting local(SupervisorCalls calls, EntityDirectory directory, ActorRef<Object> supervisor,
      TransactionNumbers numbers) {
    ActorRef<HoldReply> holder = supervisor.narrow();
    return new EntityRouting(calls) {
      /**
       * The supervisor hears of the transaction first, then the entities get their holds: each
       * answers it after it has the start in its mailbox. A hold whose entity is not live (or may
       * not be reached directly) goes through the supervisor, as its own holds do ({@link
       * EntityDirectory#tell}).
       */
      @Override
      CompletionStage<Done> startTransaction(List<ManifestChange> checked) {
        CompletableFuture<Done> refused = calls.refusal();
        if (refused != null) {
          return refused;
        }
        long transaction = numbers.next();
        CompletionStage<Done> answer = calls.askInternal(replyTo -> new FacadeMessage.TransactionStarted(
            new UpdateManifests(checked, replyTo), transaction), calls.timeout());
        for (ManifestChange change : checked) {
          directory.tell(change.id(), TransactionRun.firstRound(change, holder, transaction), supervisor);
        }
        return answer;
      }

      @Override
      <T> CompletionStage<T> ask(EntryId id, Function<ActorRef<StatusReply<T>>, ManifestCommand> request) {
        CompletionStage<T> live = askLive(id, request::apply);
        if (live != null) {
          return live;
        }
        directory.routing(id);
        return calls.askInternal(replyTo -> new FacadeMessage.ViaSupervisor(request.apply(replyTo)), calls.timeout());
      }

      @Override
      <T> CompletionStage<T> askLive(EntryId id, Function<ActorRef<StatusReply<T>>, Object> request) {
        EntityHandle handle = directory.enterFor(id);
        if (handle == null) {
          return null;
        }
        try {
          return PlainFutures.of(AskPattern.askWithStatus(handle.ref.<Object>unsafeUpcast(), request::apply,
              calls.timeout(), calls.scheduler()));
        } finally {
          directory.leave(id, handle, calls.internal());
        }
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
        return route.fence().guard(askAlong(route, request, System.nanoTime() + calls.timeout().toNanos(),
            SENDS_WHEN_NOT_DELIVERED));
      }

      /**
       * Asks along {@code route}, within what is left until {@code deadline} (the first send's
       * ask-timeout). A read or an ensure that did not reach its entity ({@link NotDeliveredException})
       * is sent again, {@code sends} times in all at most, unless the workspace is ending by then.
       */
      private <T> CompletableFuture<T> askAlong(ManifestRoute route,
          Function<ActorRef<StatusReply<T>>, ManifestCommand> request, long deadline, int sends) {
        boolean[] resendable = {false}; // set as the ask builds the command, before it is sent
        CompletableFuture<T> answer = PlainFutures.of(AskPattern.askWithStatus(route.target(), replyTo -> {
          ManifestCommand command = request.apply(replyTo);
          resendable[0] = command.kind(RESENT_WHEN_NOT_DELIVERED);
          return route.envelope().apply(command);
        }, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), calls.scheduler()));
        return answer.exceptionallyCompose(error -> error instanceof NotDeliveredException && resendable[0]
            && sends > 1 && !calls.health().ending() && deadline - System.nanoTime() > 0
            ? askAlong(route, request, deadline, sends - 1)
            : CompletableFuture.failedFuture(error));
      }
    };
  }
}
