package dev.stowage.actors.workspace;

import dev.stowage.actors.common.InOrder;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.gateway.CacheOperations;
import dev.stowage.actors.gateway.DataOperations;
import dev.stowage.actors.gateway.DatabaseFile;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * The payloads of one database file, a workspace's chunks or a block cache, for the actor that
 * owns the file's {@link DatabaseFile} (used on its thread only). The one path of chunks in local
 * mode and of blocks in both modes:
 *
 * <ul>
 *   <li>A write is sealed (encrypted) on the dispatcher, never on the caller's thread, never on a
 *       gateway's, then handed to the writer in the order the requests arrived ({@link InOrder}): a
 *       clear sent after a write of the same id reaches the writer after it, sealed or not.
 *   <li>A read goes to a reader, so it never waits for the writer's batch; it sees the last commit.
 *       A read the façade sends {@linkplain dev.stowage.actors.facade.FacadeMessage.ReadBehindWrites behind} an unanswered write of the same id
 *       goes to the writer instead, behind that write: a caller reads its own write.
 *   <li>Bytes are opened (decrypted) on the dispatcher, never on a gateway's thread.
 *   <li>Blocks: one served by a reader has its recency refreshed by the writer in its next batch, at
 *       no commit of its own; one served by the writer refreshes it in its batch (INV-13).
 * </ul>
 */
public final class PayloadPipeline<S> {

  /** Puts a sealed payload. */
  @FunctionalInterface
  private interface Put<S> {
    StoreOperation<S, Done> of(ChunkId id, int plainSize, byte[] sealed);
  }

  /**
   * What differs between chunks and blocks: their cipher kind, and their operations: a read by the
   * writer, a read by a reader, a put, a delete, and what the writer is told once a reader served
   * one (null for nothing).
   */
  private record Kind<S>(
      BlobCipher.Kind sealedAs,
      Function<ChunkId, StoreOperation<S, byte[]>> readByWriter,
      Function<ChunkId, StoreOperation<S, byte[]>> readByReader,
      Put<S> put,
      Function<ChunkId, StoreOperation<S, Done>> delete,
      Function<ChunkId, GatewayCommand<S>> servedByReader) {}

  private static final Kind<DataStore> CHUNKS = new Kind<>(BlobCipher.Kind.CHUNK,
      DataOperations::getChunk, DataOperations::getChunk, DataOperations::putChunk, DataOperations::deleteChunk,
      id -> null);

  private static final Kind<CacheStore> BLOCKS = new Kind<>(BlobCipher.Kind.BLOCK,
      CacheOperations::getBlock, CacheOperations::peekBlock, CacheOperations::putBlock, CacheOperations::deleteBlock,
      CacheOperations::touch);

  /** A payload came back sealed (or failed to): its place in the writer's order is {@code slot}. */
  public record Sealed(PayloadPipeline<?> payloads, ChunkId id, int size, byte[] sealed, Throwable error,
      ActorRef<StatusReply<Done>> replyTo, InOrder.Slot slot) implements SupervisorMessage {}

  /** A workspace's chunks, in its data database. */
  static PayloadPipeline<DataStore> chunks(ActorContext<Object> context, DatabaseFile<DataStore> file, BlobCipher cipher) {
    return new PayloadPipeline<>(context, file, cipher, CHUNKS);
  }

  /** A block cache: a workspace's in local mode, a node's in cluster mode. */
  public static PayloadPipeline<CacheStore> blocks(
      ActorContext<Object> context, DatabaseFile<CacheStore> file, BlobCipher cipher) {
    return new PayloadPipeline<>(context, file, cipher, BLOCKS);
  }

  private final ActorContext<Object> context;
  private final DatabaseFile<S> file;
  private final BlobCipher cipher;
  private final Kind<S> kind;
  private final Executor executor;

  private PayloadPipeline(ActorContext<Object> context, DatabaseFile<S> file, BlobCipher cipher, Kind<S> kind) {
    this.context = context;
    this.file = file;
    this.cipher = cipher;
    this.kind = kind;
    this.executor = context.getExecutionContext();
  }

  /** Reads from a reader (the last commit), or with {@code behindWrites} from the writer, behind its queue. */
  public void get(ChunkId id, boolean behindWrites, ActorRef<StatusReply<byte[]>> replyTo) {
    ActorRef<GatewayCommand<S>> gateway = behindWrites ? file.writer() : file.reader();
    boolean byReader = !gateway.equals(file.writer());
    CompletionStage<byte[]> sealed = file.ask(gateway,
        byReader ? kind.readByReader().apply(id) : kind.readByWriter().apply(id));
    GatewayCommand<S> served = byReader ? kind.servedByReader().apply(id) : null;
    ActorRef<GatewayCommand<S>> writer = file.writer();
    StatusReplies.when(sealed.thenApplyAsync(bytes -> {
      if (served != null) {
        writer.tell(served); // told before the reader's caller hears of it: what it writes next comes after
      }
      return cipher.open(kind.sealedAs(), id, bytes);
    }, executor), replyTo, executor);
  }

  /** Seals on the dispatcher, then comes back ({@link Sealed}) to hand the bytes to the writer, in arrival order. */
  public void set(ChunkId id, byte[] plain, ActorRef<StatusReply<Done>> replyTo) {
    int size = plain.length;
    InOrder.Slot slot = file.reserve();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> cipher.seal(kind.sealedAs(), id, plain), executor),
        (sealed, error) -> new Sealed(this, id, size, sealed, error, replyTo, slot));
  }

  public void clear(ChunkId id, ActorRef<StatusReply<Done>> replyTo) {
    file.toWriter(kind.delete().apply(id), replyTo);
  }

  /**
   * If {@code message} is a payload back from sealing: hands it to its writer, or answers with
   * {@code failure} (the workspace failed meanwhile; a close does not stop it, the writer closes
   * behind it), and returns true.
   */
  public static boolean onMessage(SupervisorMessage message, StorageException failure) {
    if (message instanceof Sealed sealed) {
      sealed.payloads().written(sealed, failure);
      return true;
    }
    return false;
  }

  private void written(Sealed sealed, StorageException failure) {
    if (sealed.error() != null) {
      file.fill(sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(StatusReplies.unwrap(sealed.error()))));
    } else if (failure != null) {
      file.fill(sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(failure)));
    } else {
      StoreOperation<S, Done> put = kind.put().of(sealed.id(), sealed.size(), sealed.sealed());
      file.fill(sealed.slot(), () -> file.writer().tell(new GatewayCommand.Run<>(put, sealed.replyTo())));
    }
  }
}
