package dev.stowage.bench.targets;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The DAO of the baseline systems 2 to 4: one connection per database file, one transaction per
 * write (commit before returning), the block LRU evicting in the transaction of the insert exactly
 * like Stowage's {@code BlockCache} ({@code extra + limit/10} least recently accessed blocks).
 *
 * <p>Not thread-safe, on purpose: each baseline decides how calls are serialized (a global lock, an
 * I/O thread, a DAO lock). Values arrive sealed; {@link #sealer()} does the CBOR and AES-GCM work
 * wherever the baseline chooses to do it.
 */
final class JdbcStore implements AutoCloseable {
  private final Connection data;
  private final Connection cache;
  private final BlockLru blocks;
  private final Sealer sealer = new Sealer();

  private final PreparedStatement putVlob;
  private final PreparedStatement getVlob;
  private final PreparedStatement putChunk;
  private final PreparedStatement deleteChunk;

  private JdbcStore(Connection data, Connection cache, long blockLimit) throws SQLException {
    this.data = data;
    this.cache = cache;
    this.blocks = new BlockLru(cache, blockLimit);
    putVlob = data.prepareStatement(BenchSql.PUT_VLOB);
    getVlob = data.prepareStatement(BenchSql.GET_VLOB);
    putChunk = data.prepareStatement(BenchSql.PUT_CHUNK);
    deleteChunk = data.prepareStatement(BenchSql.DELETE_CHUNK);
  }

  static JdbcStore open(TargetOptions options) throws SQLException {
    Connection data = BenchSql.openData(options.dir(), options.durability());
    try {
      Connection cache = BenchSql.openCache(options.dir(), options.durability());
      return new JdbcStore(data, cache, options.blockLimit());
    } catch (SQLException e) {
      data.close();
      throw e;
    }
  }

  Sealer sealer() {
    return sealer;
  }

  /** Seals and stores a manifest with its removed chunks (all the work of one durable write). */
  void storeManifest(EntryId id, LocalManifest manifest, Collection<ChunkId> removed) throws SQLException {
    putManifest(id, manifest.baseVersion(), manifest.needSync(), sealer.sealManifest(id, manifest), removed);
  }

  /** Reads and opens a manifest, or null. */
  LocalManifest loadManifest(EntryId id) throws SQLException {
    byte[] sealed = getManifest(id);
    return sealed == null ? null : sealer.openManifest(id, sealed);
  }

  /** Seals and stores a chunk. */
  void storeChunk(ChunkId id, byte[] data) throws SQLException {
    putChunk(id, data.length, sealer.sealChunk(id, data));
  }

  /** Seals and stores a block. */
  void storeBlock(ChunkId id, byte[] data) throws SQLException {
    putBlock(id, data.length, sealer.sealBlock(id, data));
  }

  /** Reads and opens a block, or null. */
  byte[] loadBlock(ChunkId id) throws SQLException {
    byte[] sealed = getBlock(id);
    return sealed == null ? null : sealer.openBlock(id, sealed);
  }

  /** Writes a manifest and deletes the chunks it dropped, in one committed transaction. */
  void putManifest(EntryId id, long baseVersion, boolean needSync, byte[] sealed, Collection<ChunkId> removed)
      throws SQLException {
    try {
      writeManifest(id, baseVersion, needSync, sealed, removed);
      data.commit();
    } catch (SQLException e) {
      data.rollback();
      throw e;
    }
  }

  /**
   * Writes manifests already sealed ({@code sealed}, in the order of {@code changes}) with their
   * removed chunks and {@code pending} ones, in one committed transaction (W7).
   */
  void putManifests(List<ManifestChange> changes, List<byte[]> sealed, Function<EntryId, Collection<ChunkId>> pending)
      throws SQLException {
    try {
      for (int i = 0; i < changes.size(); i++) {
        ManifestChange change = changes.get(i);
        Set<ChunkId> removed = new HashSet<>(change.removedChunkIds());
        removed.addAll(pending.apply(change.id()));
        writeManifest(change.id(), change.updated().baseVersion(), change.updated().needSync(), sealed.get(i), removed);
      }
      data.commit();
    } catch (SQLException e) {
      data.rollback();
      throw e;
    }
  }

  /** The sealed manifest of {@code id}, or null. */
  byte[] getManifest(EntryId id) throws SQLException {
    try {
      return readManifest(id);
    } finally {
      data.commit(); // ends the read transaction, as autocommit would
    }
  }

  void putChunk(ChunkId id, int size, byte[] sealed) throws SQLException {
    try {
      writeChunk(id, size, sealed);
      data.commit();
    } catch (SQLException e) {
      data.rollback();
      throw e;
    }
  }

  // The rows alone, in whatever transaction is open: the raw SQLite limit batches them itself.

  /** Writes a manifest row and deletes the chunks it dropped, without committing. */
  void writeManifest(EntryId id, long baseVersion, boolean needSync, byte[] stored, Collection<ChunkId> removed)
      throws SQLException {
    putVlob.setBytes(1, id.toBytes());
    putVlob.setLong(2, baseVersion);
    putVlob.setLong(3, baseVersion);
    putVlob.setInt(4, needSync ? 1 : 0);
    putVlob.setBytes(5, stored);
    putVlob.executeUpdate();
    for (ChunkId chunk : removed) {
      deleteChunk.setBytes(1, chunk.toBytes());
      deleteChunk.executeUpdate();
    }
  }

  /** The stored manifest row of {@code id}, or null, without ending the transaction. */
  byte[] readManifest(EntryId id) throws SQLException {
    getVlob.setBytes(1, id.toBytes());
    try (ResultSet row = getVlob.executeQuery()) {
      return row.next() ? row.getBytes(1) : null;
    }
  }

  /** Writes a chunk row, without committing. */
  void writeChunk(ChunkId id, int size, byte[] stored) throws SQLException {
    putChunk.setBytes(1, id.toBytes());
    putChunk.setInt(2, size);
    putChunk.setDouble(3, 0);
    putChunk.setBytes(4, stored);
    putChunk.executeUpdate();
  }

  /** The block LRU, for callers that run their own cache transactions. */
  BlockLru blocks() {
    return blocks;
  }

  void commitData() throws SQLException {
    data.commit();
  }

  void commitCache() throws SQLException {
    cache.commit();
  }

  /** Inserts a block, then counts and evicts past the limit, in one committed transaction. */
  void putBlock(ChunkId id, int size, byte[] sealed) throws SQLException {
    try {
      blocks.put(id, size, sealed);
      cache.commit();
    } catch (SQLException e) {
      cache.rollback();
      throw e;
    }
  }

  /** The sealed block, or null; a hit refreshes its recency, committed before returning. */
  byte[] getBlock(ChunkId id) throws SQLException {
    try {
      byte[] sealed = blocks.get(id);
      cache.commit();
      return sealed;
    } catch (SQLException e) {
      cache.rollback();
      throw e;
    }
  }

  void vacuum() throws SQLException {
    BenchSql.vacuum(data);
  }

  @Override
  public void close() throws SQLException {
    try {
      data.close();
    } finally {
      cache.close();
    }
  }
}
