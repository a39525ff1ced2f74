package dev.stowage.actors.gateway;

import org.apache.pekko.Done;

/**
 * One operation on a store of type {@code S}, answered with an {@code R}: how the gateway schedules
 * it, what it is called in logs and errors, and its body. It is the one word for gateway work. Each
 * store lists its operations as named factories ({@link DataOperations}, {@link CacheOperations}),
 * as pekko-persistence-jdbc's {@code JournalQueries} lists the journal's queries; actors send them
 * in a {@link GatewayCommand.Run} to a gateway of that store only, the supervisor's tools in a
 * {@code RunOnDataStore}. It knows nothing of actors: the gateway's protocol depends on it, not the
 * other way round.
 */
public record StoreOperation<S, R>(StoreOperation.Mode mode, String what, Body<S, R> body) {

  /** How the gateway schedules an operation and answers it. */
  public enum Mode {
    READ,
    READ_WRITE,
    WRITE,
    /**
     * Bookkeeping that needs no commit of its own and has no answer (sent with no {@code replyTo}):
     * a block's recency after a read elsewhere. It runs in the open batch, or at the start of the
     * next one, before that batch's first write, or on its own after {@link
     * DbGateway#DEFERRED_AT_MOST}.
     */
    DEFERRED
  }

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
    return new StoreOperation<>(Mode.READ, what, body);
  }

  /** A write: its work returns nothing, its answer is {@code Done} after the commit that holds it. */
  static <S> StoreOperation<S, Done> write(String what, java.util.function.Consumer<S> body) {
    return new StoreOperation<>(Mode.WRITE, what, store -> {
      body.accept(store);
      return Done.getInstance();
    });
  }
}
