package dev.stowage.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.cluster.TestPostgres;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The opt-in cluster rows ({@code bench --cluster}) at tiny sizes, on the PostgreSQL of the cluster
 * tests ({@link TestPostgres}, handed to the bench as its {@code -Dstowage.bench.pg.*}): W1 through
 * one node and through three and their anchor raw-postgres, results present and sane ({@link
 * SaneReport}), the cluster goals computed. No timing threshold.
 *
 * <p>Each of the five measurements forms a cluster and stops it after a phase of 200 ms, and that
 * stop, which nothing measures, was most of the test's time: {@link #QUICK_STOP} shortens two of
 * its waits (as system properties, which the bench's configuration falls back on).
 */
class ClusterBenchSmokeTest {
  /**
   * A node waits for a peer that already left to acknowledge its last messages (5 s in
   * stowage-cluster); and a one-node cluster's shard region, stopped before the workspace's shard
   * preallocation is through, waits for the coordinator to place the shards it buffered messages
   * for (the coordinator places none on a region shutting down), until the phase times out (10 s).
   */
  private static final Map<String, String> QUICK_STOP = Map.of(
      "pekko.remote.artery.advanced.shutdown-flush-timeout", "1s",
      "pekko.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout", "2s");

  @BeforeAll
  static void onTheTestsDatabase() {
    System.setProperty("stowage.bench.pg.url", TestPostgres.url());
    System.setProperty("stowage.bench.pg.user", TestPostgres.user());
    System.setProperty("stowage.bench.pg.password", TestPostgres.password());
    QUICK_STOP.forEach(System::setProperty);
    ConfigFactory.invalidateCaches();
  }

  @AfterAll
  static void offTheTestsDatabase() {
    for (String key : new String[] {"url", "user", "password"}) {
      System.clearProperty("stowage.bench.pg." + key);
    }
    QUICK_STOP.keySet().forEach(System::clearProperty);
    ConfigFactory.invalidateCaches();
  }

  @Test
  void theClusterRowsRunW1OnOneAndThreeNodes(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("out.json");

    int exit = new CommandLine(new BenchCommand()).execute("--profile", "tiny", "--systems", "stowage", "--cluster",
        "--workloads", "W1", "--no-memory", "--json", json.toString(), "--work-dir", dir.resolve("work").toString());

    JsonNode report = new ObjectMapper().readTree(json.toFile());
    Set<String> seen = SaneReport.check(report);
    assertThat(exit).isZero();
    for (SystemKind system : SystemKind.cluster()) {
      assertThat(seen).contains(Scenarios.W1_1 + " on " + system.id(), Scenarios.W1_64 + " on " + system.id())
          .doesNotContain(Scenarios.W1_FULL_64 + " on " + system.id());
    }
    assertThat(seen).contains(Scenarios.W1_FULL_64 + " on " + SystemKind.STOWAGE.id());
    // The cluster rows are measured against their anchor, the same PostgreSQL's own upserts.
    Set<String> targets = new HashSet<>();
    report.get("targets").forEach(target -> {
      targets.add(target.get("name").asText());
      if (target.get("name").asText().contains("raw PostgreSQL")) {
        assertThat(target.get("value").asDouble()).as(target.get("name").asText()).isPositive();
      }
    });
    assertThat(targets).contains("W1-64 cluster-1 vs raw PostgreSQL", "W1-1 cluster-1 vs raw PostgreSQL",
        "W1-64 cluster-3 vs cluster-1");
  }
}
