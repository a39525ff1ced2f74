package dev.stowage.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stowage.bench.report.ChartWriter;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.bench.workloads.Workload;
import dev.stowage.bench.workloads.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the whole harness once at tiny sizes through its command line and checks that it produced
 * sane results: every system on every scenario, operations counted, no failures, percentiles in
 * order, the targets evaluated, the memory run, the charts and the Markdown. Never a timing
 * threshold: the numbers of a tiny run mean nothing.
 */
class BenchSmokeTest {

  @Test
  void tinyRunProducesEverySystemOnEveryScenarioWithSaneNumbers(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("out.json");
    Path markdown = dir.resolve("out.md");
    Path charts = dir.resolve("charts");

    int exit = new CommandLine(new BenchCommand()).execute("--profile", "tiny", "--json", json.toString(),
        "--markdown", markdown.toString(), "--charts", charts.toString(), "--work-dir", dir.resolve("work").toString());

    JsonNode report = new ObjectMapper().readTree(json.toFile());
    Set<String> seen = SaneReport.check(report);
    assertThat(exit).isZero();
    for (SystemKind system : SystemKind.standard()) {
      for (String scenario : Scenarios.DESCRIPTIONS.keySet()) {
        Workload workload = Workloads.all().stream()
            .filter(w -> w.name().contains(scenario.substring(0, scenario.indexOf('-')))).findFirst().orElseThrow();
        if (workload.runsOn(system)) {
          assertThat(seen).contains(scenario + " on " + system.id());
        } else {
          assertThat(seen).doesNotContain(scenario + " on " + system.id());
        }
      }
    }
    assertThat(report.get("targets").size()).isGreaterThanOrEqualTo(7);
    for (JsonNode target : report.get("targets")) {
      assertThat(target.get("value").isNumber()).as("value of %s", target.get("name")).isTrue();
    }
    JsonNode memory = report.get("memory");
    assertThat(memory.get("manifests").asInt()).isPositive();
    assertThat(memory.get("errors").asLong()).isZero();
    assertThat(memory.get("maxLiveEntities").asInt()).isLessThanOrEqualTo(memory.get("maxActive").asInt());
    assertThat(report.get("machine").get("processors").asInt()).isPositive();

    assertThat(Files.size(charts.resolve(ChartWriter.THROUGHPUT))).isPositive();
    assertThat(Files.size(charts.resolve(ChartWriter.P99))).isPositive();
    assertThat(Files.readString(markdown)).contains("| scenario |", SystemKind.STOWAGE.label(), "#### Targets");
    // A short run says, in its own output, that its numbers are not for comparison, above the table and in
    // the verdict column, which then has no bold "no".
    String rendered = Files.readString(markdown);
    assertThat(rendered).startsWith("Profile `tiny`").contains("> **Not for comparison:** profile `tiny` runs short"
        + " phases on a cold JVM").contains("docs/benchmarks.md").doesNotContain("**no**");
    String targets = rendered.substring(rendered.indexOf("#### Targets"));
    targets = targets.contains("\n#### ") ? targets.substring(0, targets.indexOf("\n#### ")) : targets;
    assertThat(targets).contains("> **Not for comparison:**");
    assertThat(targets.lines().filter(line -> line.startsWith("| ") && !line.startsWith("| target |")))
        .isNotEmpty().allSatisfy(row -> assertThat(row).endsWith(" (tiny run: not for comparison) |"));
    try (var leftovers = Files.list(dir.resolve("work"))) {
      assertThat(leftovers).as("every target's directory is deleted").isEmpty();
    }
  }
}
