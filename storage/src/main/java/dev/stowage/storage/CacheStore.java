package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.StorageFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The cache database of a workspace ({@code cache_v1.sqlite}): the bounded block LRU, with the
 * counters behind the cache's statistics. Owned by one thread, like its {@link LocalDatabase}.
 *
 * <p><b>The recorded limit.</b> A host's open ({@link #open}) records its block limit in the file
 * ({@link BlockLimitTable}) and evicts down to it if the cache holds more (a host that lowered its
 * limit), in one transaction: from then on the blocks stored never exceed the recorded limit once a
 * write commits (INV-13). The offline tools open the file with {@link #openToCheck}, which records
 * nothing, and judge the cache by the recorded limit: never by a configuration of their own, which
 * may belong to another program. A cache file from before the record (schema version 1) is
 * migrated with an empty record; the tools then report its blocks without judging them until a
 * host has opened it.
 */
public final class CacheStore implements Store {
  /** The limit of a store opened by a tool when none is recorded: no limit, so nothing is evicted for one. */
  private static final long NO_LIMIT = Long.MAX_VALUE;

  private final LocalDatabase db;
  private final BlockCache blocks;
  private final BlockLimitTable recordedLimit;
  private long hits;
  private long misses;
  private long evictions;

  private CacheStore(LocalDatabase db, long blockLimit) {
    this.db = db;
    this.blocks = new BlockCache(db, blockLimit);
    this.recordedLimit = new BlockLimitTable(db);
  }

  /**
   * Opens the cache database of {@code workspaceDir} for a host on the calling thread, checks the
   * key and records {@code blockLimit} (see the class comment).
   */
  public static CacheStore open(Path workspaceDir, Durability durability, BlobCipher cipher, long blockLimit) {
    return open(workspaceDir, durability, cipher, blockLimit, false);
  }

  /** Opens the writer; with {@code readersCheckpoint}, a reader checkpoints the WAL (see {@link LocalDatabase}). */
  public static CacheStore open(
      Path workspaceDir, Durability durability, BlobCipher cipher, long blockLimit, boolean readersCheckpoint) {
    LocalDatabase db = LocalDatabase.open(workspaceDir, DatabaseKind.CACHE, durability, readersCheckpoint);
    try {
      KeyCheck.verifyOrStore(db, cipher);
      CacheStore store = new CacheStore(db, blockLimit);
      db.begin();
      store.recordedLimit.set(blockLimit, Instant.now());
      store.evictions += store.blocks.evictPastLimit();
      db.commit();
      return store;
    } catch (RuntimeException e) {
      if (!db.isClosed()) {
        db.close();
      }
      throw e;
    }
  }

  /**
   * Opens the cache database of {@code workspaceDir} for an offline tool ({@code inspect}, {@code
   * fsck}) on the calling thread: as a host opens it (its lock, the migration, the key check), but it
   * records no limit and evicts nothing. Its block cache's limit is the recorded one, or none when
   * nothing is recorded; a tool reads the record with {@link #recordedBlockLimit()}.
   */
  public static CacheStore openToCheck(Path workspaceDir, Durability durability, BlobCipher cipher) {
    LocalDatabase db = LocalDatabase.open(workspaceDir, DatabaseKind.CACHE, durability, false);
    try {
      KeyCheck.verifyOrStore(db, cipher);
      long limit = new BlockLimitTable(db).get().map(BlockLimitTable.Recorded::blocks).orElse(NO_LIMIT);
      return new CacheStore(db, limit);
    } catch (RuntimeException e) {
      if (!db.isClosed()) {
        db.close();
      }
      throw e;
    }
  }

  /**
   * Opens a reader of the cache database of {@code workspaceDir} on the calling thread (the writer
   * opened it first): it reads blocks with {@link #peekBlock}; their recency is the writer's job.
   */
  public static CacheStore openReader(Path workspaceDir, long blockLimit) {
    return new CacheStore(LocalDatabase.openReader(workspaceDir, DatabaseKind.CACHE), blockLimit);
  }

  /** The schema version of the cache database this code writes (and migrates older files to). */
  public static int schemaVersion() {
    return Schema.latest(DatabaseKind.CACHE);
  }

  /**
   * The block limit the host that last opened this cache recorded, or empty for a cache no host has
   * opened since Stowage records it.
   */
  public Optional<BlockLimitTable.Recorded> recordedBlockLimit() {
    return recordedLimit.get();
  }

  /**
   * Deletes the cache database of {@code workspaceDir} (with its WAL and shared-memory files)
   * under its writer's lock, so that no program has it open meanwhile: blocks are downloaded
   * content, fetched again on demand, and the next open creates an empty cache. For a cache file
   * too damaged to open or repair ({@code fsck --repair}).
   *
   * @return whether there was a file to delete
   * @throws StorageFailedException if a program has the cache open, or a file cannot be deleted
   */
  public static boolean discard(Path workspaceDir) {
    Path file = workspaceDir.resolve(DatabaseKind.CACHE.fileName());
    if (LocalDatabase.isOpen(file)) {
      throw new StorageFailedException(file + " is open in this process: close the workspace first");
    }
    FileLockHolder lock = FileLockHolder.acquire(LocalDatabase.lockFile(file), file);
    try {
      boolean deleted = false;
      for (String suffix : new String[] {"-wal", "-shm", ""}) {
        deleted |= Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix)) && suffix.isEmpty();
      }
      return deleted;
    } catch (IOException e) {
      throw new StorageFailedException("cannot delete the block cache " + file + ": " + e, e);
    } finally {
      lock.release();
    }
  }

  /** A block's sealed bytes, refreshing its recency; counts a hit or a miss. Call in a transaction. */
  public Optional<byte[]> getBlock(ChunkId id) {
    return count(blocks.get(id));
  }

  /**
   * A block's sealed bytes without refreshing its recency (a reader's way; it tells the writer,
   * which {@link #touchBlocks} them later); counts a hit or a miss.
   */
  public Optional<byte[]> peekBlock(ChunkId id) {
    return count(blocks.table().get(id));
  }

  private Optional<byte[]> count(Optional<byte[]> block) {
    if (block.isPresent()) {
      hits++;
    } else {
      misses++;
    }
    return block;
  }

  /**
   * Refreshes the recency of blocks read elsewhere, in the order they were read; absent ones (evicted
   * meanwhile) are skipped. Call in a transaction, before any insert that may evict (INV-13).
   */
  public void touchBlocks(Iterable<ChunkId> ids) {
    for (ChunkId id : ids) {
      blocks.touch(id);
    }
  }

  /** Stores a block, evicting in the same transaction past the limit (INV-13). */
  public void putBlock(ChunkId id, int plainSize, byte[] sealed) {
    evictions += blocks.put(id, plainSize, sealed);
  }

  public boolean deleteBlock(ChunkId id) {
    return blocks.delete(id);
  }

  /** Block counters and count, as of now. */
  public BlockCounters counters() {
    return new BlockCounters(blocks.count(), blocks.limit(), hits, misses, evictions);
  }

  /** What the block cache holds and has done since the store was opened. */
  public record BlockCounters(long blocks, long limit, long hits, long misses, long evictions) {}

  @Override
  public LocalDatabase database() {
    return db;
  }

  public BlockCache blocks() {
    return blocks;
  }

  @Override
  public void close() {
    db.close();
  }
}
