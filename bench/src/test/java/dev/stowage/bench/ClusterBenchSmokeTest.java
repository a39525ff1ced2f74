package dev.stowage.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.cluster.TestPostgres;
import java.nio.file.Path;
import java.util.HashSet;
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
 */
class ClusterBenchSmokeTest {
  @BeforeAll
  static void onTheTestsDatabase() {
    System.setProperty("stowage.bench.pg.url", TestPostgres.url());
    System.setProperty("stowage.bench.pg.user", TestPostgres.user());
    System.setProperty("stowage.bench.pg.password", TestPostgres.password());
  }

  @AfterAll
  static void offTheTestsDatabase() {
    for (String key : new String[] {"url", "user", "password"}) {
      System.clearProperty("stowage.bench.pg." + key);
    }
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
