package dev.stowage.actors.facade;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.gateway.DirectReads;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.PromoteChunkToBlock;
import dev.stowage.protocol.StorageCommand.Operation;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The façade's calls on chunks and blocks: the same on both stores but for their messages
 * ({@link Payload}). Reads go straight to a reader where local mode has one and no write of the
 * ids they read is on its way ({@link MutationsInFlight}); behind that write otherwise, on the
 * writer ({@link FacadeMessage.ReadBehindWrites}); through the supervisor in cluster mode. Writes
 * carry their bytes into admission ({@link CallAdmission}).
 */
final class PayloadCalls {
  private final SupervisorCalls calls;
  private final MutationsInFlight mutations;
  private final DirectReads directReads;
  /** Local mode: chunk and block reads after an unanswered write of the same id go behind it. */
  private final boolean readsBehindWrites;
  private final int maxChunkSize;

  PayloadCalls(SupervisorCalls calls, MutationsInFlight mutations, DirectReads directReads, boolean readsBehindWrites,
      int maxChunkSize) {
    this.calls = calls;
    this.mutations = mutations;
    this.directReads = directReads;
    this.readsBehindWrites = readsBehindWrites;
    this.maxChunkSize = maxChunkSize;
  }

  /** A chunk or a block: what differs between the calls on the two stores. */
  enum Payload {
    CHUNK("chunk"),
    BLOCK("block");

    final String name;

    Payload(String name) {
      this.name = name;
    }

    Operation get(ChunkId id, ActorRef<StatusReply<byte[]>> replyTo) {
      return this == CHUNK ? new GetChunk(id, replyTo) : new GetBlock(id, replyTo);
    }

    Operation set(ChunkId id, byte[] data, ActorRef<StatusReply<Done>> replyTo) {
      return this == CHUNK ? new SetChunk(id, data, replyTo) : new SetBlock(id, data, replyTo);
    }

    Operation clear(ChunkId id, ActorRef<StatusReply<Done>> replyTo) {
      return this == CHUNK ? new ClearChunk(id, replyTo) : new ClearBlock(id, replyTo);
    }

    CompletionStage<byte[]> readDirectly(DirectReads reads, ChunkId id) {
      return this == CHUNK ? reads.chunk(id) : reads.block(id);
    }
  }

  CompletionStage<byte[]> get(Payload kind, ChunkId id) {
    return calls.checkedAndAdmitted(0, () -> Require.nonNull(id, kind.name + " id"),
        checked -> readsDirectly() && mutations.noneFor(id) ? kind.readDirectly(directReads, id) : null,
        checked -> read(!mutations.noneFor(id), replyTo -> kind.get(id, replyTo)));
  }

  CompletionStage<Done> set(Payload kind, ChunkId id, byte[] data) {
    return mutations.around(id, () -> calls.checkedAndAdmitted(data == null ? 0 : data.length, () -> {
          RequestValidation.payload(id, data, maxChunkSize, kind.name);
          return data;
        }, checked -> null, checked -> calls.askChecked(replyTo -> kind.set(id, checked, replyTo))));
  }

  CompletionStage<Done> clear(Payload kind, ChunkId id) {
    return mutations.around(id, () -> calls.checkedAndAdmitted(0, () -> Require.nonNull(id, kind.name + " id"),
        checked -> null, checked -> calls.askChecked(replyTo -> kind.clear(id, replyTo))));
  }

  /** A promotion writes the block and deletes the chunk of {@code id}: both are writes of the id. */
  CompletionStage<Done> promote(ChunkId id) {
    return mutations.around(id, () -> calls.checkedAndAdmitted(0, () -> Require.nonNull(id, "chunk id"),
        checked -> null, checked -> calls.askChecked(replyTo -> new PromoteChunkToBlock(id, replyTo))));
  }

  CompletionStage<Set<ChunkId>> localChunkIds(Collection<ChunkId> ids) {
    return calls.checkedAndAdmitted(0, () -> {
          RequestValidation.chunkIds(ids, "chunk ids");
          return Collections.unmodifiableList(new ArrayList<>(ids));
        },
        list -> readsDirectly() && mutations.noneForAny(list) ? directReads.localChunkIds(list) : null,
        list -> read(!mutations.noneForAny(list), replyTo -> new GetLocalChunkIds(list, replyTo)));
  }

  /**
   * Whether reads may go straight to a reader: there are readers, and the workspace is open and
   * healthy. The caller also checks that no write of the ids it reads is on its way.
   */
  private boolean readsDirectly() {
    return directReads.available() && !calls.closed() && !calls.health().ending();
  }

  /** Asks the read {@code request} makes, behind the unanswered writes of its ids if there are any (local mode). */
  private <T> CompletionStage<T> read(boolean behindWrites, Function<ActorRef<StatusReply<T>>, Operation> request) {
    return behindWrites && readsBehindWrites
        ? calls.askInternal(replyTo -> new FacadeMessage.ReadBehindWrites(request.apply(replyTo)), calls.timeout())
        : calls.askNow(request::apply);
  }
}
