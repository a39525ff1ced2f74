package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.protocol.StorageFailedException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The chunk gateway's lane on PostgreSQL: in order, group-committed, a failing piece alone. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlLaneTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private ClusterDatabase database;
  private final String table = "stowage_test_lane_" + Long.toHexString(System.nanoTime());

  @BeforeAll
  void start() {
    TestPostgres.requireReachable();
    Config config = ConfigFactory.parseString(TestPostgres.config()).withFallback(ConfigFactory.defaultReference()).resolve();
    database = new ClusterDatabase(ClusterSettings.fromConfig(config), threads);
    database.runNow("creating the table", c -> {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + table + " (n integer PRIMARY KEY, after integer)");
      }
      return null;
    });
  }

  @AfterAll
  void stop() {
    database.runNow("dropping the table", c -> {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + table);
      }
      return null;
    });
    database.close();
    threads.shutdownNow();
  }

  @Test
  @DisplayName("INV-6: pieces submitted together run in order (each sees the ones before), and one that PostgreSQL refuses fails alone while the others commit")
  void piecesRunInOrderAndAFailingOneFailsAlone() {
    ClusterDatabase.SqlLane lane = database.lane();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    CompletableFuture<Integer> refused = null;
    for (int n = 0; n < 200; n++) {
      int value = n;
      if (n == 120) {
        refused = lane.submit("a duplicate", c -> insert(c, 0)).toCompletableFuture(); // n = 0 exists: refused
      }
      results.add(lane.submit("insert " + n, c -> insert(c, value)).toCompletableFuture());
    }
    for (int n = 0; n < 200; n++) {
      assertThat(results.get(n)).succeedsWithin(WAIT).as("piece %d saw the pieces before it", n).isEqualTo(n);
    }
    assertThat(refused).failsWithin(WAIT).withThrowableThat().havingCause().isInstanceOf(StorageFailedException.class);
    int count = database.runNow("counting", c -> {
      try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT count(*) FROM " + table)) {
        rows.next();
        return rows.getInt(1);
      }
    });
    assertThat(count).isEqualTo(200);
  }

  @Test
  @DisplayName("A lost connection is told from a refused statement: only a refused statement's batch is retried piece by piece")
  void aLostConnectionIsToldFromARefusedStatement() {
    assertThat(ClusterDatabase.connectionLost(new StorageFailedException("x", new SQLException("refused", "08001"))))
        .isTrue();
    assertThat(ClusterDatabase.connectionLost(new SQLTransientConnectionException("pool timed out"))).isTrue();
    assertThat(ClusterDatabase.connectionLost(new SQLException("shutting down", "57P01"))).isTrue();
    assertThat(ClusterDatabase.connectionLost(new StorageFailedException("x", new SQLException("duplicate", "23505"))))
        .isFalse();
    assertThat(ClusterDatabase.connectionLost(new IllegalStateException("no SQL"))).isFalse();
  }

  /** Inserts {@code n} with the number of rows before it; returns that number. */
  private int insert(java.sql.Connection c, int n) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO " + table + " (n, after) SELECT ?, count(*) FROM " + table + " RETURNING after")) {
      s.setInt(1, n);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }
}
