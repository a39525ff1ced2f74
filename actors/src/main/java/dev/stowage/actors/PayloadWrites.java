package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * The writes and clears of chunks and blocks, for a workspace's supervisor (on its thread): a
 * payload is sealed on the dispatcher (never on the caller's thread, never on a gateway's), then
 * handed to its file's writer in the order the requests arrived ({@link InOrder}): a clear sent
 * after a write of the same id reaches the writer after it, sealed or not.
 */
final class PayloadWrites {
  /** A payload came back sealed (or failed to): its place in the writer's order is {@code slot}. */
  record Sealed(
      BlobCipher.Kind kind, ChunkId id, int size, byte[] sealed, Throwable error, ActorRef<StatusReply<Done>> replyTo,
      InOrder.Slot slot)
      implements WorkspaceBackend.Message {}

  private final ActorContext<Object> context;
  private final DatabaseGateways gateways;
  private final BlobCipher cipher;
  private final Executor executor;

  PayloadWrites(ActorContext<Object> context, DatabaseGateways gateways, BlobCipher cipher) {
    this.context = context;
    this.gateways = gateways;
    this.cipher = cipher;
    this.executor = context.getExecutionContext();
  }

  void setChunk(SetChunk request) {
    seal(BlobCipher.Kind.CHUNK, request.id(), request.data(), request.replyTo());
  }

  void setBlock(SetBlock request) {
    seal(BlobCipher.Kind.BLOCK, request.id(), request.data(), request.replyTo());
  }

  void clearChunk(ClearChunk request) {
    ChunkId id = request.id();
    gateways.execute(gateways.writer(DatabaseGateways.File.DATA), DbGateway.Mode.WRITE, "clear chunk",
        (DataStore store) -> {
          if (!store.chunks().delete(id)) {
            throw EntryMissingException.chunk(id);
          }
          return Done.getInstance();
        }, request.replyTo());
  }

  void clearBlock(ClearBlock request) {
    ChunkId id = request.id();
    gateways.execute(gateways.writer(DatabaseGateways.File.CACHE), DbGateway.Mode.WRITE, "clear block",
        (CacheStore store) -> {
          store.deleteBlock(id);
          return Done.getInstance();
        }, request.replyTo());
  }

  /** Encrypts on the dispatcher, then comes back to hand the sealed bytes to a writer, in arrival order. */
  private void seal(BlobCipher.Kind kind, ChunkId id, byte[] plain, ActorRef<StatusReply<Done>> replyTo) {
    int size = plain.length;
    InOrder.Slot slot = gateways.reserve(fileOf(kind));
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> cipher.seal(kind, id, plain), executor),
        (sealed, error) -> new Sealed(kind, id, size, sealed, error, replyTo, slot));
  }

  /**
   * Hands a sealed payload to its writer, or answers with {@code failure} (the workspace failed
   * meanwhile). A close does not stop it: the writers close behind it.
   */
  void onSealed(Sealed sealed, StorageException failure) {
    DatabaseGateways.File file = fileOf(sealed.kind());
    if (sealed.error() != null) {
      gateways.fill(file, sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(Replies.unwrap(sealed.error()))));
    } else if (failure != null) {
      gateways.fill(file, sealed.slot(), () -> sealed.replyTo().tell(StatusReply.error(failure)));
    } else if (sealed.kind() == BlobCipher.Kind.CHUNK) {
      gateways.fill(file, sealed.slot(), () -> gateways.writer(file).tell(new DbGateway.Execute<DataStore, Done>(
          DbGateway.Mode.WRITE, "set chunk", store -> {
            store.chunks().put(sealed.id(), sealed.size(), sealed.sealed(), 0);
            return Done.getInstance();
          }, sealed.replyTo())));
    } else {
      gateways.fill(file, sealed.slot(), () -> gateways.writer(file).tell(new DbGateway.Execute<CacheStore, Done>(
          DbGateway.Mode.WRITE, "set block", store -> {
            store.putBlock(sealed.id(), sealed.size(), sealed.sealed());
            return Done.getInstance();
          }, sealed.replyTo())));
    }
  }

  private static DatabaseGateways.File fileOf(BlobCipher.Kind kind) {
    return kind == BlobCipher.Kind.CHUNK ? DatabaseGateways.File.DATA : DatabaseGateways.File.CACHE;
  }
}
