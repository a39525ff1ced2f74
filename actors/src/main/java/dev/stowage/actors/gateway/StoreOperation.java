package dev.stowage.actors.gateway;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * One operation on a store of type {@code S}, answered with an {@code R}: how the gateway schedules
 * it, what it is called in logs and errors, and the work. Each store lists its operations as named
 * factories ({@link DataOperations}, {@link CacheOperations}), as pekko-persistence-jdbc's {@code
 * JournalQueries} lists the journal's queries; actors send them as {@link GatewayCommand.Execute}s to a
 * gateway of that store only.
 */
public record StoreOperation<S, R>(GatewayCommand.Mode mode, String what, GatewayCommand.Work<S, R> work) {

  /** A write: its work returns nothing, its answer is {@code Done} after the commit that holds it. */
  static <S> StoreOperation<S, Done> write(String what, java.util.function.Consumer<S> work) {
    return new StoreOperation<>(GatewayCommand.Mode.WRITE, what, store -> {
      work.accept(store);
      return Done.getInstance();
    });
  }

  /** The request that runs this operation and answers {@code replyTo}. */
  public GatewayCommand.Execute<S, R> replyingTo(ActorRef<StatusReply<R>> replyTo) {
    return new GatewayCommand.Execute<>(mode, what, work, replyTo);
  }
}
