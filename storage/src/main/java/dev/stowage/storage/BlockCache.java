package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import java.util.Optional;

/**
 * The bounded LRU cache of downloaded blocks in the cache database (INV-13).
 *
 * <p>{@code limit = cache-size / block-size} blocks. An insert that makes the count exceed the
 * limit deletes the {@code extra + limit/10} least recently accessed blocks, in the same
 * transaction as the insert: the count never exceeds the limit once a write commits, and eviction
 * can never over-evict because insert, count and delete see one state. Evicting a tenth of the
 * cache at once keeps eviction off most inserts. Every read refreshes the block's {@code
 * accessed_on}.
 *
 * <p>Recency comes from {@link LruClock}, strictly increasing, so blocks written or read in the
 * same instant still have a definite order.
 */
public final class BlockCache {
  private final ChunkTable table;
  private final long limit;
  private final LruClock clock = new LruClock();

  public BlockCache(LocalDatabase db, long limit) {
    if (db.kind() != DatabaseKind.CACHE) {
      throw new IllegalArgumentException("blocks live in the cache database, not " + db.file());
    }
    if (limit <= 0) {
      throw new IllegalArgumentException("block limit must be positive, got " + limit);
    }
    this.table = new ChunkTable(db);
    this.limit = limit;
  }

  /** The sealed bytes of a block, refreshing its recency; call inside a transaction. */
  public Optional<byte[]> get(ChunkId id) {
    Optional<byte[]> block = table.get(id);
    if (block.isPresent()) {
      table.touch(id, clock.next());
    }
    return block;
  }

  /** Refreshes a block's recency as if it were read now; returns whether it is stored. */
  public boolean touch(ChunkId id) {
    return table.touch(id, clock.next());
  }

  /**
   * Stores a block and evicts in the same transaction if the cache is over its limit; call inside
   * a transaction.
   *
   * @return how many blocks were evicted
   */
  public int put(ChunkId id, int plainSize, byte[] sealed) {
    table.put(id, plainSize, sealed, clock.next());
    long count = table.count();
    if (count <= limit) {
      return 0;
    }
    return evict(count, count - limit + limit / 10);
  }

  /**
   * Evicts the least recently accessed blocks past the limit, if there are any (a cache a host
   * opens with a lower limit than before); call inside a transaction.
   *
   * @return how many blocks were evicted
   */
  public int evictPastLimit() {
    long count = table.count();
    return count <= limit ? 0 : evict(count, count - limit);
  }

  private int evict(long count, long blocks) {
    BlockEvictionEvent event = new BlockEvictionEvent();
    event.begin();
    int evicted = table.deleteLeastRecentlyAccessed(blocks);
    event.end();
    if (event.shouldCommit()) {
      event.evicted = evicted;
      event.blocksBefore = count;
      event.limit = limit;
      event.commit();
    }
    return evicted;
  }

  /** Deletes a block; returns whether it was there. */
  public boolean delete(ChunkId id) {
    return table.delete(id);
  }

  public long count() {
    return table.count();
  }

  public long limit() {
    return limit;
  }

  /** The underlying table, for inspection and fsck. */
  public ChunkTable table() {
    return table;
  }
}
