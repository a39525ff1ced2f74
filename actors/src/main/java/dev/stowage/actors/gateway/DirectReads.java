package dev.stowage.actors.gateway;

import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The façade's way to a workspace's {@link DbReader}s, without the supervisor: a chunk or block
 * read asks a reader straight away, and its bytes are decrypted on Stowage's dispatcher (never on
 * the reader's thread, never on the caller's), two thread handoffs fewer than through the
 * supervisor. What the supervisor does for such a read, this does too: a block served by a reader
 * tells the cache writer to refresh its recency before the caller sees it (INV-13).
 *
 * <p>The façade uses it only while the workspace is neither failed nor closing ({@link
 * dev.stowage.actors.common.WorkspaceHealth}), and only for an id with no write of its caller on the way ({@link
 * dev.stowage.actors.facade.MutationsInFlight}); otherwise the read goes to the supervisor as before.
 */
public final class DirectReads {
  /** No readers (cluster mode, or {@code read-connections = 0}): every read goes to the supervisor. */
  public static final DirectReads NONE = new DirectReads(List.of(), List.of(), null, null, Runnable::run, null, Duration.ZERO);

  private final List<ActorRef<GatewayCommand<DataStore>>> dataReaders;
  private final List<ActorRef<GatewayCommand<CacheStore>>> cacheReaders;
  private final ActorRef<GatewayCommand<CacheStore>> cacheWriter;
  private final BlobCipher cipher;
  private final Executor executor;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final AtomicInteger turn = new AtomicInteger();

  public DirectReads(List<ActorRef<GatewayCommand<DataStore>>> dataReaders, List<ActorRef<GatewayCommand<CacheStore>>> cacheReaders,
      ActorRef<GatewayCommand<CacheStore>> cacheWriter, BlobCipher cipher, Executor executor, Scheduler scheduler,
      Duration timeout) {
    this.dataReaders = List.copyOf(dataReaders);
    this.cacheReaders = List.copyOf(cacheReaders);
    this.cacheWriter = cacheWriter;
    this.cipher = cipher;
    this.executor = executor;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  public boolean available() {
    return !dataReaders.isEmpty() && !cacheReaders.isEmpty();
  }

  public CompletableFuture<byte[]> chunk(ChunkId id) {
    CompletionStage<byte[]> sealed = ask(next(dataReaders), DataOperations.getChunk(id));
    return onDispatcher(sealed, bytes -> cipher.open(BlobCipher.Kind.CHUNK, id, bytes));
  }

  public CompletableFuture<byte[]> block(ChunkId id) {
    CompletionStage<byte[]> sealed = ask(next(cacheReaders), CacheOperations.peekBlock(id));
    return onDispatcher(sealed, bytes -> {
      cacheWriter.tell(CacheOperations.touch(id)); // before the caller hears of its block
      return cipher.open(BlobCipher.Kind.BLOCK, id, bytes);
    });
  }

  public CompletableFuture<Set<ChunkId>> localChunkIds(List<ChunkId> ids) {
    return onDispatcher(ask(next(dataReaders), DataOperations.presentChunks(ids)), present -> present);
  }

  private <S> ActorRef<GatewayCommand<S>> next(List<ActorRef<GatewayCommand<S>>> readers) {
    return readers.get(Math.floorMod(turn.getAndIncrement(), readers.size()));
  }

  private <S, R> CompletionStage<R> ask(ActorRef<GatewayCommand<S>> reader, StoreOperation<S, R> operation) {
    return AskPattern.askWithStatus(reader, replyTo -> new GatewayCommand.Run<>(operation, replyTo), timeout,
        scheduler);
  }

  /** Finishes on the dispatcher: the reader's thread completes the ask and must go back to reading. */
  private static <T, R> CompletableFuture<R> onDispatcher(
      CompletionStage<T> answer, java.util.function.Function<T, R> then, Executor executor) {
    CompletableFuture<R> result = new CompletableFuture<>();
    answer.whenCompleteAsync((value, error) -> {
      if (error != null) {
        result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
        return;
      }
      try {
        result.complete(then.apply(value));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }, executor);
    return result;
  }

  private <T, R> CompletableFuture<R> onDispatcher(CompletionStage<T> answer, java.util.function.Function<T, R> then) {
    return onDispatcher(answer, then, executor);
  }
}
