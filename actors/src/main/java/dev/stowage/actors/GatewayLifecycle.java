package dev.stowage.actors;

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
  static <S extends Store> Behavior<DbGateway.Command<S>> opening(Class<?> actor, String database, Supplier<S> open,
      ActorRef<DbGateway.Event> owner, WorkspaceHealth failure,
      BiFunction<ActorContext<DbGateway.Command<S>>, S, Behavior<DbGateway.Command<S>>> opened) {
    return Behaviors.setup(context -> {
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
        owner.tell(new DbGateway.Failed(database, e)); // as it is: a wrong key stays an InvalidRequestException for the opener
        return failed(cause);
      }
      owner.tell(new DbGateway.Opened(database));
      return opened.apply(context, store);
    });
  }

  /** Answers everything with the failure; closes on Close, stops with its owner. */
  static <S> Behavior<DbGateway.Command<S>> failed(StorageFailedException cause) {
    return Behaviors.receiveMessage(command -> {
      if (command instanceof DbGateway.Execute<S, ?> request) {
        request.fail(cause);
      } else if (command instanceof DbGateway.Vacuum<S> request) {
        request.replyTo().tell(StatusReply.error(cause));
      } else if (command instanceof DbGateway.GetStats<S> request) {
        request.replyTo().tell(StatusReply.error(cause));
      } else if (command instanceof DbGateway.Close<S> request) {
        request.replyTo().tell(StatusReply.ack());
        return Behaviors.stopped();
      } // commit markers and timers: nothing to do any more
      return Behaviors.same();
    });
  }
}
