package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The reads of chunks and blocks, for a workspace's supervisor (on its thread): which connection
 * answers them, and what happens to their bytes on the way back.
 *
 * <ul>
 *   <li>A read goes to a reader of its file ({@link DatabaseGateways#reader}), so it never waits
 *       for the writer's batch; it sees the last commit.
 *   <li>A read the façade sends {@linkplain BehindWrites behind} an unanswered write of the same id
 *       goes to the writer instead, behind that write: a caller reads its own write.
 *   <li>Bytes are decrypted on the dispatcher, never on a gateway's thread.
 *   <li>A block served by a reader has its recency refreshed by the cache writer in its next batch,
 *       at no commit of its own (INV-13); one served by the writer refreshes it in its batch.
 * </ul>
 */
final class PayloadReads {
  /**
   * A read the façade sends behind a write of the same id that has not been answered yet: it goes
   * to the writer, behind that write, instead of a reader that would not see it.
   */
  record BehindWrites(StorageCommand.Request read) implements WorkspaceBackend.Message {}

  private final DatabaseGateways gateways;
  private final BlobCipher cipher;
  private final Executor executor;

  PayloadReads(DatabaseGateways gateways, BlobCipher cipher, Executor executor) {
    this.gateways = gateways;
    this.cipher = cipher;
    this.executor = executor;
  }

  void getChunk(GetChunk request) {
    getChunk(request, gateways.reader(DatabaseGateways.File.DATA));
  }

  void getLocalChunkIds(GetLocalChunkIds request) {
    getLocalChunkIds(request, gateways.reader(DatabaseGateways.File.DATA));
  }

  void getBlock(GetBlock request) {
    getBlock(request, gateways.reader(DatabaseGateways.File.CACHE));
  }

  /** A read behind the caller's own writes: from the writers. */
  void behindWrites(BehindWrites wrapped) {
    StorageCommand.Request read = wrapped.read();
    if (read instanceof GetChunk get) {
      getChunk(get, gateways.writer(DatabaseGateways.File.DATA));
    } else if (read instanceof GetBlock get) {
      getBlock(get, gateways.writer(DatabaseGateways.File.CACHE));
    } else if (read instanceof GetLocalChunkIds get) {
      getLocalChunkIds(get, gateways.writer(DatabaseGateways.File.DATA));
    } else {
      Replies.error(read, new InvalidRequestException("only chunk and block reads are sent behind writes"));
    }
  }

  private void getChunk(GetChunk request, ActorRef<DbGateway.Command> gateway) {
    ChunkId id = request.id();
    if (Replies.refused(request, () -> Require.nonNull(id, "chunk id"))) {
      return;
    }
    CompletionStage<byte[]> sealed = gateways.ask(gateway, DbGateway.Mode.READ, "get chunk",
        (DataStore store) -> store.chunks().get(id).orElseThrow(() -> EntryMissingException.chunk(id)));
    Replies.when(sealed.thenApplyAsync(bytes -> cipher.open(BlobCipher.Kind.CHUNK, id, bytes), executor),
        request.replyTo(), executor);
  }

  private void getLocalChunkIds(GetLocalChunkIds request, ActorRef<DbGateway.Command> gateway) {
    List<ChunkId> ids = request.ids();
    if (Replies.refused(request, () -> RequestValidation.chunkIds(ids, "chunk ids"))) {
      return;
    }
    gateways.execute(gateway, DbGateway.Mode.READ, "get local chunk ids",
        (DataStore store) -> store.chunks().presentAmong(ids), request.replyTo());
  }

  private void getBlock(GetBlock request, ActorRef<DbGateway.Command> gateway) {
    ChunkId id = request.id();
    if (Replies.refused(request, () -> Require.nonNull(id, "block id"))) {
      return;
    }
    boolean fromWriter = gateways.isWriter(gateway);
    CompletionStage<byte[]> sealed = fromWriter
        ? gateways.ask(gateway, DbGateway.Mode.READ_WRITE, "get block",
            (CacheStore store) -> store.getBlock(id).orElseThrow(() -> EntryMissingException.block(id)))
        : gateways.ask(gateway, DbGateway.Mode.READ, "get block",
            (CacheStore store) -> store.peekBlock(id).orElseThrow(() -> EntryMissingException.block(id)));
    ActorRef<DbGateway.Command> cacheWriter = gateways.writer(DatabaseGateways.File.CACHE);
    Replies.when(sealed.thenApplyAsync(bytes -> {
      if (!fromWriter) {
        // Told before the reader hears of its block, so whatever it writes next comes after it.
        cacheWriter.tell(DatabaseGateways.touch(id));
      }
      return cipher.open(BlobCipher.Kind.BLOCK, id, bytes);
    }, executor), request.replyTo(), executor);
  }
}
