package dev.stowage.actors.gateway;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * One operation on a store of type {@code S}, answered with an {@code R}: how the gateway schedules
 * it, what it is called in logs and errors, and its body. The one word for gateway work: a gateway
 * is sent a {@link GatewayCommand.Run} of one, the supervisor's tools a {@code RunOnDataStore}. Each store lists its operations as named
 * factories ({@link DataOperations}, {@link CacheOperations}), as pekko-persistence-jdbc's {@code
 * JournalQueries} lists the journal's queries; actors send them as {@link GatewayCommand.Run}s to a
 * gateway of that store only.
 */
public record StoreOperation<S, R>(GatewayCommand.Mode mode, String what, Body<S, R> body) {

  /**
   * What the operation does, run on the gateway's thread. It may throw a {@link
   * dev.stowage.protocol.StorageException} other than {@link dev.stowage.protocol.StorageFailedException}
   * only before it changed anything.
   */
  @FunctionalInterface
  public interface Body<S, R> {
    R apply(S store);
  }

  /** A read (tests and tools use it too): answered with what {@code body} returns. */
  public static <S, R> StoreOperation<S, R> read(String what, Body<S, R> body) {
    return new StoreOperation<>(GatewayCommand.Mode.READ, what, body);
  }

  /** A write: its work returns nothing, its answer is {@code Done} after the commit that holds it. */
  static <S> StoreOperation<S, Done> write(String what, java.util.function.Consumer<S> body) {
    return new StoreOperation<>(GatewayCommand.Mode.WRITE, what, store -> {
      body.accept(store);
      return Done.getInstance();
    });
  }

  /** The request that runs this operation and answers {@code replyTo}. */
  public GatewayCommand.Run<S, R> replyingTo(ActorRef<StatusReply<R>> replyTo) {
    return new GatewayCommand.Run<>(this, replyTo);
  }
}
