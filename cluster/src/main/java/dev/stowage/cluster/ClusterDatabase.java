package dev.stowage.cluster;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stowage.protocol.StorageFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;

/**
 * The chunk gateway's side of PostgreSQL on one node: a bounded connection pool ({@code
 * stowage.cluster.chunk-pool-size}) and the dedicated threads that use it ({@code
 * stowage.cluster.jdbc-dispatcher}). Every JDBC call of Stowage's own tables runs here, in a
 * transaction of its own, never on a default-dispatcher thread or the caller's thread.
 *
 * <p>Unlike local mode, a failed statement fails its request only: PostgreSQL rolls the
 * transaction back and the connection stays usable, so there is nothing to invalidate.
 */
final class ClusterDatabase implements AutoCloseable {

  /** Work on one connection, inside a transaction that commits when it returns. */
  @FunctionalInterface
  interface Sql<T> {
    T run(Connection connection) throws SQLException;
  }

  private static final String SCHEMA = "/dev/stowage/cluster/schema-postgres.sql";
  /** Serializes schema creation between nodes that start at once. */
  private static final long SCHEMA_LOCK = 0x5354_4f57_4147_45L;

  private final HikariDataSource pool;
  private final Executor executor;

  ClusterDatabase(ClusterSettings settings, Executor executor) {
    this.pool = pool(settings, "stowage-chunks", settings.chunkPoolSize());
    this.executor = executor;
  }

  /**
   * A pool of at most {@code size} connections to the configured database, in manual-commit mode.
   * It starts even if the database is down (requests fail meanwhile, and it reconnects after).
   */
  static HikariDataSource pool(ClusterSettings settings, String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(settings.jdbcUrl());
    config.setUsername(settings.user());
    config.setPassword(settings.password());
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(settings.connectionTimeout().toMillis());
    config.setAutoCommit(false);
    config.setInitializationFailTimeout(-1);
    return new HikariDataSource(config);
  }

  /** Runs {@code work} in a transaction on the gateway's threads; the stage completes after the commit. */
  <T> CompletionStage<T> transaction(String what, Sql<T> work) {
    return CompletableFuture.supplyAsync(() -> runNow(what, work), executor);
  }

  /** Runs {@code work} in a transaction on the calling thread (a gateway thread). */
  <T> T runNow(String what, Sql<T> work) {
    try (Connection connection = pool.getConnection()) {
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageFailedException(what + " failed in PostgreSQL: " + e.getMessage(), e);
    }
  }

  /**
   * A queue of work that runs in the order it was submitted, with group commit: what one caller
   * sends in order reaches the database in order, and the work queued while a transaction runs
   * shares the next one (at most {@link #LANE_MAX_BATCH}). Each piece is answered after the commit
   * that holds it. If a piece fails, the transaction rolls back and its pieces run again one
   * transaction each, so that a failing piece fails alone. Used from one actor only.
   */
  SqlLane lane() {
    return new SqlLane();
  }

  /** The most pieces of work in one transaction of a lane. */
  static final int LANE_MAX_BATCH = 256;

  final class SqlLane {
    private record Piece<T>(String what, Sql<T> work, CompletableFuture<T> result) {
      void succeed(Object value) {
        @SuppressWarnings("unchecked") T typed = (T) value; // the value work returned
        result.complete(typed);
      }
    }

    private final Queue<Piece<?>> queue = new ConcurrentLinkedQueue<>();
    /** Whether a drain is scheduled or running on the executor: at most one at a time, so pieces stay in order. */
    private final AtomicBoolean draining = new AtomicBoolean();

    <T> CompletionStage<T> submit(String what, Sql<T> work) {
      Piece<T> piece = new Piece<>(what, work, new CompletableFuture<>());
      queue.add(piece);
      if (draining.compareAndSet(false, true)) {
        executor.execute(this::drain);
      }
      return piece.result();
    }

    private void drain() {
      while (true) {
        List<Piece<?>> batch = new ArrayList<>();
        for (Piece<?> piece = queue.poll(); piece != null; piece = batch.size() < LANE_MAX_BATCH ? queue.poll() : null) {
          batch.add(piece);
        }
        if (!batch.isEmpty()) {
          runTogether(batch);
        }
        if (!queue.isEmpty()) {
          continue;
        }
        draining.set(false);
        // a piece queued since the check: take it, unless its submitter has scheduled a drain for it
        if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
          return;
        }
      }
    }

    private <T> void runAlone(Piece<T> piece) {
      try {
        piece.result().complete(runNow(piece.what(), piece.work()));
      } catch (RuntimeException e) {
        piece.result().completeExceptionally(e);
      }
    }

    private void runTogether(List<Piece<?>> batch) {
      if (batch.size() == 1) {
        runAlone(batch.get(0));
        return;
      }
      List<Object> results;
      try {
        results = runNow(batch.size() + " lane requests", connection -> {
          List<Object> values = new ArrayList<>(batch.size());
          for (Piece<?> piece : batch) {
            values.add(piece.work().run(connection));
          }
          return values;
        });
      } catch (RuntimeException e) {
        if (connectionLost(e)) { // each alone would wait for a connection again, one after another
          batch.forEach(piece -> piece.result().completeExceptionally(e));
        } else {
          batch.forEach(this::runAlone); // so that the failing one fails alone
        }
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).succeed(results.get(i));
      }
    }
  }

  /**
   * Whether {@code error} says the database could not be reached rather than that a statement
   * failed: no connection (SQLSTATE class 08, or none, as a pool's timeout has), or the server
   * shutting down (class 57). Then retrying the work piece by piece would only wait again.
   */
  static boolean connectionLost(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql) {
        String state = sql.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57");
      }
    }
    return false;
  }

  /**
   * A {@code SELECT 1} on the pool, on the gateway's threads: completes once PostgreSQL answered it,
   * fails with a {@link StorageFailedException} saying why not. The statement itself gives up after
   * {@code queryTimeoutSeconds}; waiting for a connection, after {@code connection-timeout}.
   */
  CompletionStage<Done> ping(int queryTimeoutSeconds) {
    return transaction("the readiness check's SELECT 1", connection -> {
      try (Statement statement = connection.createStatement()) {
        statement.setQueryTimeout(queryTimeoutSeconds);
        statement.execute("SELECT 1");
      }
      return Done.getInstance();
    });
  }

  /** Creates the missing tables (idempotent; one node at a time). */
  void applySchema() {
    String script;
    try (InputStream in = ClusterDatabase.class.getResourceAsStream(SCHEMA)) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new StorageFailedException("cannot read " + SCHEMA + " from the stowage-cluster jar", e);
    }
    runNow("creating the schema", connection -> {
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
        for (String sql : script.split("\n;\n")) {
          String body = sql.lines().filter(line -> !line.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).trim();
          if (!body.isEmpty()) {
            statement.execute(body);
          }
        }
      }
      return null;
    });
  }

  @Override
  public void close() {
    pool.close();
  }
}
