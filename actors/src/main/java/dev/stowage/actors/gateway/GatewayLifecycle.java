package dev.stowage.actors.gateway;

import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.Store;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * How a database actor ({@link DbGateway}, {@link DbReader}) begins and ends: opening its store on
 * its own thread and telling its owner, and, once its database failed, answering everything with
 * the failure (INV-6).
 */
final class GatewayLifecycle {
  private GatewayLifecycle() {}

  /**
   * A gateway's (or a reader's) start, logging as {@code actor}: opens the store on the actor's own
   * thread, tells {@code owner} how it went, and goes on as {@code opened}, or answers everything with the failure,
   * which is recorded in {@code failure} first.
   */
  static <S extends Store> Behavior<GatewayCommand<S>> opening(Class<?> actor, String database, Supplier<S> open,
      ActorRef<GatewayEvent> owner, WorkspaceHealth failure,
      BiFunction<ActorContext<GatewayMessage<S>>, S, Behavior<GatewayMessage<S>>> opened) {
    Behavior<GatewayMessage<S>> starting = Behaviors.setup(context -> {
      // Named before anything logs: else Pekko names the logger after the first caller it finds on
      // the stack, which for a timer's debug line is its own ActorCell.
      context.setLoggerName(actor);
      S store;
      try {
        store = open.get();
      } catch (StorageException e) {
        if (e instanceof InvalidRequestException) { // the opener's mistake (wrong key, open elsewhere): its answer says so
          context.getLog().info("not opening {}: {}", database, e.getMessage());
        } else {
          context.getLog().error("cannot open {}: {}", database, e.getMessage());
        }
        StorageFailedException cause = e instanceof StorageFailedException f ? f
            : new StorageFailedException(database + " could not be opened: " + e.getMessage(), e);
        failure.record(cause);
        owner.tell(new GatewayEvent.Failed(database, e)); // as it is: a wrong key stays an InvalidRequestException for the opener
        return failed(cause);
      }
      owner.tell(new GatewayEvent.Opened(database));
      return opened.apply(context, store);
    });
    return starting.narrow(); // what others may send: the commands, not the actor's own timer messages
  }

  /** Answers everything with the failure; closes on Close, stops with its owner. */
  static <S> Behavior<GatewayMessage<S>> failed(StorageFailedException cause) {
    return Behaviors.receiveMessage(command -> {
      if (command instanceof GatewayCommand.Run<S, ?> request) {
        request.fail(cause);
      } else if (command instanceof GatewayCommand.Vacuum<S> request) {
        request.replyTo().tell(StatusReply.error(cause));
      } else if (command instanceof GatewayCommand.GetStats<S> request) {
        request.replyTo().tell(StatusReply.error(cause));
      } else if (command instanceof GatewayCommand.Close<S> request) {
        request.replyTo().tell(StatusReply.ack());
        return Behaviors.stopped();
      } // the actor's own timer messages: nothing to do any more
      return Behaviors.same();
    });
  }
}
