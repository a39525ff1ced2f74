package dev.stowage.actors.gateway;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.storage.CacheStore;
import java.util.List;
import org.apache.pekko.Done;

/** Every operation on a block cache ({@link CacheStore}), in either mode. */
public final class CacheOperations {
  private CacheOperations() {}

  /** A read by the cache's writer: it refreshes the block's recency in its batch (INV-13). */
  public static StoreOperation<CacheStore, byte[]> getBlock(ChunkId id) {
    return new StoreOperation<>(StoreOperation.Mode.READ_WRITE, "get block",
        store -> store.getBlock(id).orElseThrow(() -> EntryMissingException.block(id)));
  }

  /** A read by a reader, which cannot write: the writer refreshes the recency ({@link #touch}). */
  public static StoreOperation<CacheStore, byte[]> peekBlock(ChunkId id) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "get block",
        store -> store.peekBlock(id).orElseThrow(() -> EntryMissingException.block(id)));
  }

  /** Inserts the block and evicts the least recently used past {@code block-limit}, in one transaction (INV-13). */
  public static StoreOperation<CacheStore, Done> putBlock(ChunkId id, int plainSize, byte[] sealed) {
    return StoreOperation.write("set block", store -> store.putBlock(id, plainSize, sealed));
  }

  /** Absent already: nothing to do, and no error (INV-14). */
  public static StoreOperation<CacheStore, Done> deleteBlock(ChunkId id) {
    return StoreOperation.write("clear block", store -> store.deleteBlock(id));
  }

  /**
   * A reader served {@code block}: the writer refreshes its recency in its next batch, before any
   * eviction of that batch (INV-13), at no commit of its own. Has no answer.
   */
  public static GatewayCommand.Run<CacheStore, Done> touch(ChunkId block) {
    StoreOperation<CacheStore, Done> touch = new StoreOperation<>(StoreOperation.Mode.DEFERRED,
        "refresh the recency of a block", store -> {
          store.touchBlocks(List.of(block));
          return Done.getInstance();
        });
    return new GatewayCommand.Run<>(touch, null);
  }

  public static StoreOperation<CacheStore, CacheStore.BlockCounters> counters() {
    return new StoreOperation<>(StoreOperation.Mode.READ, "block counters", CacheStore::counters);
  }
}
