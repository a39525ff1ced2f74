package dev.stowage.bench.targets;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The physical anchor of cluster mode (issue 15): what the same PostgreSQL does for W1 without
 * Stowage. A durable {@code setManifest} is one upsert of the bytes Stowage would store (CBOR,
 * then AES-GCM, sealed on the caller's thread with the project's own code) into a plain table,
 * keyed by the entry id, in a transaction of its own, on a pooled connection per client: the
 * {@code pgbench} upsert of the issue, through JDBC. It runs W1 only, as the cluster rows do.
 */
final class RawPostgresTarget implements BenchTarget {
  static final String TABLE = "stowage_bench_raw_manifests";
  private static final String UPSERT = "INSERT INTO " + TABLE + " (id, revision, payload) VALUES (?, 1, ?)"
      + " ON CONFLICT (id) DO UPDATE SET revision = " + TABLE + ".revision + 1, payload = excluded.payload";
  private static final String SELECT = "SELECT payload FROM " + TABLE + " WHERE id = ?";

  private final HikariDataSource pool;
  private final Sealer sealer = new Sealer();

  private RawPostgresTarget(HikariDataSource pool) {
    this.pool = pool;
  }

  /** Connects to {@link BenchPostgres}, with a connection for each of up to {@code 64} clients, and empties the table. */
  static RawPostgresTarget open(TargetOptions options) throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setPoolName("stowage-bench-raw-postgres");
    config.setJdbcUrl(BenchPostgres.url());
    config.setUsername(BenchPostgres.user());
    config.setPassword(BenchPostgres.password());
    config.setMaximumPoolSize(64);
    config.setAutoCommit(true); // one upsert, one transaction
    HikariDataSource pool = new HikariDataSource(config);
    try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE
          + " (id uuid PRIMARY KEY, revision bigint NOT NULL, payload bytea NOT NULL)");
      // The row format of Stowage's durable_state table (schema-postgres.sql): the sealed bytes in
      // the row, uncompressed, so that both do the same physical work per row.
      statement.execute("ALTER TABLE " + TABLE + " ALTER COLUMN payload SET STORAGE EXTERNAL");
      statement.execute("ALTER TABLE " + TABLE + " SET (toast_tuple_target = 8160)");
      statement.execute("TRUNCATE " + TABLE);
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw e;
    }
    return new RawPostgresTarget(pool);
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    return Immediate.run(() -> {
      byte[] sealed = sealer.sealManifest(id, manifest);
      try (Connection connection = pool.getConnection(); PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
        upsert.setObject(1, id.value());
        upsert.setBytes(2, sealed);
        return upsert.executeUpdate();
      }
    });
  }

  /**
   * One PostgreSQL transaction: the rows locked in the order of their ids ({@code SELECT ... FOR
   * UPDATE}), opened and compared with the expected values, then the upserts, then the commit.
   */
  @Override
  public CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return Immediate.run(() -> {
      List<ManifestChange> ordered = changes.stream().sorted(Comparator.comparing(ManifestChange::id)).toList();
      try (Connection connection = pool.getConnection()) {
        connection.setAutoCommit(false);
        try (PreparedStatement select = connection.prepareStatement(SELECT + " FOR UPDATE");
            PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
          ExpectedValues.check(ordered, id -> {
            select.setObject(1, id.value());
            try (ResultSet row = select.executeQuery()) {
              return row.next() ? sealer.openManifest(id, row.getBytes(1)) : null;
            }
          });
          for (ManifestChange change : ordered) {
            upsert.setObject(1, change.id().value());
            upsert.setBytes(2, sealer.sealManifest(change.id(), change.updated()));
            upsert.addBatch();
          }
          upsert.executeBatch();
          connection.commit();
          return ordered.size();
        } catch (Exception e) {
          connection.rollback();
          throw e;
        } finally {
          connection.setAutoCommit(true); // back to the pool as it was configured
        }
      }
    });
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return Immediate.run(() -> {
      try (Connection connection = pool.getConnection(); PreparedStatement select = connection.prepareStatement(SELECT)) {
        select.setObject(1, id.value());
        try (ResultSet row = select.executeQuery()) {
          return row.next() ? sealer.openManifest(id, row.getBytes(1)) : null;
        }
      }
    });
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return setManifest(id, manifest); // no cache: every write is stored
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return CompletableFuture.completedFuture(null); // stored already
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] data) {
    return w1Only();
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] data) {
    return w1Only();
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return w1Only();
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return CompletableFuture.completedFuture(null); // nothing cached
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return w1Only();
  }

  @Override
  public CompletionStage<?> drain() {
    return CompletableFuture.completedFuture(null); // every write was committed when it returned
  }

  private static CompletionStage<?> w1Only() {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("raw-postgres runs W1 only"));
  }

  @Override
  public void close() {
    pool.close();
  }
}
