package dev.stowage.actors.gateway;

import dev.stowage.protocol.DatabaseStats;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What a database actor of a store of type {@code S} is sent: its file's writer ({@link DbGateway})
 * or one of its readers ({@link DbReader}). Refs are typed by store ({@code
 * ActorRef<GatewayCommand<DataStore>>}, {@code ActorRef<GatewayCommand<CacheStore>>}): work for one
 * store cannot be sent to the other's gateway. The operations themselves are listed per store in
 * {@link DataOperations} and {@link CacheOperations}. Each actor also sends itself timer messages of
 * its own, private to it ({@link GatewayMessage}); what it tells its owner is a {@link GatewayEvent}.
 */
public sealed interface GatewayCommand<S> extends GatewayMessage<S>
    permits GatewayCommand.Run, GatewayCommand.Vacuum, GatewayCommand.GetStats, GatewayCommand.Close {

  /**
   * Runs {@code operation} and answers {@code replyTo} as its {@link StoreOperation.Mode} says.
   *
   * @param writer for a {@link StoreOperation.Mode#WRITE}: someone else to answer, with {@code Done}
   *     once the commit that holds the write succeeded (or with the failure), after {@code replyTo}; a
   *     durable write's caller, answered here instead of through its entity. Null for none.
   * @param outcome for a {@link StoreOperation.Mode#WRITE}: run on the gateway's thread once the
   *     commit that holds the write succeeded (with null) or failed (with the failure), before {@code
   *     writer} is answered; it must only send messages. A tree transaction's: its entities hear
   *     the outcome straight from here. Null for none.
   */
  record Run<S, R>(StoreOperation<S, R> operation, ActorRef<StatusReply<R>> replyTo,
      ActorRef<StatusReply<Done>> writer, Consumer<Throwable> outcome) implements GatewayCommand<S> {
    public Run(StoreOperation<S, R> operation, ActorRef<StatusReply<R>> replyTo) {
      this(operation, replyTo, null, null);
    }

    public Run(StoreOperation<S, R> operation, ActorRef<StatusReply<R>> replyTo, ActorRef<StatusReply<Done>> writer) {
      this(operation, replyTo, writer, null);
    }

    /** Answers a request that is not joining a batch with {@code error}: its reply, its outcome, and its writer. */
    void fail(Throwable error) {
      if (replyTo != null) {
        replyTo.tell(StatusReply.error(error));
      }
      if (outcome != null) {
        outcome.accept(error);
      }
      if (writer != null) {
        writer.tell(StatusReply.error(error));
      }
    }
  }

  /**
   * Commits the open batch, then vacuums if the files take more than {@code threshold} bytes: in
   * steps of {@link DbGateway#VACUUM_STEP_PAGES}, each a transaction of its own with the requests
   * received meanwhile run between them, where the file vacuums incrementally (data files since
   * issue 13); else as one {@code VACUUM}, which also converts the file. Answered once it is done.
   * A reader refuses it.
   */
  record Vacuum<S>(long threshold, ActorRef<StatusReply<Boolean>> replyTo) implements GatewayCommand<S> {}

  record GetStats<S>(ActorRef<StatusReply<DatabaseStats>> replyTo) implements GatewayCommand<S> {}

  /** Commits the open batch (a writer), closes the database and stops. */
  record Close<S>(ActorRef<StatusReply<Done>> replyTo) implements GatewayCommand<S> {}
}
