package dev.stowage.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.stowage.bench.jmh.JmhLauncher;
import dev.stowage.bench.report.BenchReport;
import dev.stowage.bench.report.ChartWriter;
import dev.stowage.bench.report.MarkdownReport;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.bench.workloads.BenchContext;
import dev.stowage.bench.workloads.BenchProfile;
import dev.stowage.bench.workloads.Workload;
import dev.stowage.bench.workloads.Workloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stowage bench}: runs every system on the same workloads (issue 7) and reports throughput
 * and latency percentiles, the target ratios, and optionally JSON, Markdown and PNG charts. With
 * {@code --jmh}, runs the JMH micro-benchmarks (codec, cipher, wire form) instead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark Stowage against lock-based, thread-based, Caffeine+JDBC and raw SQLite baselines.")
public final class BenchCommand implements Callable<Integer> {

  @Option(names = "--quick", description = "Small sizes and short phases on a cold JVM: about a minute, to check that the "
      + "harness works; its numbers are not for comparison (the output says so; full runs: docs/benchmarks.md).")
  boolean quick;

  @Option(names = "--profile", hidden = true, description = "full, quick or tiny (tiny is for the smoke test).")
  String profile;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
  Path json;

  @Option(names = "--markdown", paramLabel = "FILE", description = "Write the results as Markdown tables.")
  Path markdown;

  @Option(names = "--charts", paramLabel = "DIR", description = "Write bench-throughput.png and bench-p99.png here.")
  Path charts;

  @Option(names = "--systems", split = ",", paramLabel = "ID",
      description = "Only these systems: stowage, lock-commit, thread-lock, caffeine-jdbc, raw-sqlite, raw-same-work "
          + "(and, with PostgreSQL, stowage-cluster-1, stowage-cluster-3, raw-postgres).")
  List<String> systems;

  @Option(names = "--cluster",
      description = "Add the cluster-mode rows for W1: Stowage on 1 and on 3 cluster nodes in this JVM, and their "
          + "anchor raw-postgres (JDBC upserts, one per transaction), over the local PostgreSQL "
          + "(`bash .ci/postgres.sh`; another: -Dstowage.bench.pg.url/user/password).")
  boolean cluster;

  @Option(names = "--workloads", split = ",", paramLabel = "W",
      description = "Only these workloads: W1, W2, W3, W4, W5, W6, W7.")
  List<String> workloads;

  @Option(names = "--scenarios", split = ",", paramLabel = "S",
      description = "Only these rows, e.g. W1-64,W2-8 (for profiling one scenario: W1 runs only the selected cases).")
  List<String> scenarios;

  @Option(names = "--measure", paramLabel = "SECONDS",
      description = "Length of each timed measurement, overriding the profile's (e.g. 30 for a steadier number).")
  Integer measureSeconds;

  @Option(names = "--no-memory", description = "Skip the memory run (1,000,000 manifests; 50,000 with --quick).")
  boolean noMemory;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the systems' temporary directories go (default: the system temporary directory).")
  Path workDir;

  @Option(names = "--jmh", description = "Run the JMH micro-benchmarks (codec, cipher, wire form) instead.")
  boolean jmh;

  /** A public no-arg constructor: the CLI registers this command as {@code stowage bench}. */
  public BenchCommand() {}

  @Override
  public Integer call() throws Exception {
    BenchProfile chosen = profile != null ? BenchProfile.named(profile) : quick ? BenchProfile.quick() : BenchProfile.full();
    if (measureSeconds != null) {
      chosen = chosen.measuring(Duration.ofSeconds(measureSeconds));
    }
    if (jmh) {
      return JmhLauncher.run(quick);
    }
    Path dir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
    BenchContext context = new BenchContext(chosen, dir, System.err, selectedScenarios());
    BenchRunner runner = new BenchRunner(context, selectedSystems(), selectedWorkloads(), !noMemory);
    BenchReport report = runner.run(commandLine(chosen));
    String rendered = MarkdownReport.render(report);
    System.out.println(rendered);
    if (json != null) {
      writeJson(report, json);
    }
    if (markdown != null) {
      createParent(markdown);
      Files.writeString(markdown, rendered);
    }
    if (charts != null) {
      ChartWriter.write(report, charts);
    }
    return report.failures().isEmpty() ? 0 : 1;
  }

  /** Writes {@code report} as indented JSON. */
  public static void writeJson(BenchReport report, Path file) throws Exception {
    createParent(file);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
  }

  private static void createParent(Path file) throws Exception {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  private List<SystemKind> selectedSystems() {
    List<SystemKind> selected = new ArrayList<>(systems == null || systems.isEmpty()
        ? SystemKind.standard() : systems.stream().map(SystemKind::byId).toList());
    if (cluster) {
      SystemKind.cluster().stream().filter(kind -> !selected.contains(kind)).forEach(selected::add);
    }
    return selected;
  }

  private Predicate<String> selectedScenarios() {
    if (scenarios == null || scenarios.isEmpty()) {
      return scenario -> true;
    }
    Set<String> wanted = new HashSet<>();
    for (String token : scenarios) {
      String key = Scenarios.DESCRIPTIONS.keySet().stream().filter(k -> k.equalsIgnoreCase(token.trim())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(
              "unknown scenario '" + token + "' (" + String.join(", ", Scenarios.DESCRIPTIONS.keySet()) + ")"));
      wanted.add(key);
    }
    return wanted::contains;
  }

  private List<Workload> selectedWorkloads() {
    if (workloads == null || workloads.isEmpty()) {
      return Workloads.all();
    }
    List<Workload> selected = new ArrayList<>();
    for (Workload w : Workloads.all()) {
      if (workloads.stream().anyMatch(token -> w.name().toUpperCase(Locale.ROOT).contains(token.trim().toUpperCase(Locale.ROOT)))) {
        selected.add(w);
      }
    }
    if (selected.isEmpty()) {
      throw new IllegalArgumentException("no workload matches " + workloads + " (W1 … W7)");
    }
    return selected;
  }

  /** The command as a user types it (no paths). */
  private String commandLine(BenchProfile chosen) {
    List<String> parts = new ArrayList<>(List.of("bin/stowage", "bench"));
    if (quick) {
      parts.add("--quick");
    } else if (profile != null) {
      parts.addAll(Arrays.asList("--profile", chosen.name()));
    }
    if (systems != null) {
      parts.addAll(Arrays.asList("--systems", String.join(",", systems)));
    }
    if (workloads != null) {
      parts.addAll(Arrays.asList("--workloads", String.join(",", workloads)));
    }
    if (measureSeconds != null) {
      parts.addAll(Arrays.asList("--measure", measureSeconds.toString()));
    }
    if (scenarios != null) {
      parts.addAll(Arrays.asList("--scenarios", String.join(",", scenarios)));
    }
    if (cluster) {
      parts.add("--cluster");
    }
    if (noMemory) {
      parts.add("--no-memory");
    }
    return String.join(" ", parts);
  }
}
