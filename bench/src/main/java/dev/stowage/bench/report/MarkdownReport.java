package dev.stowage.bench.report;

import dev.stowage.bench.targets.SystemKind;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link BenchReport} as the Markdown tables of docs/benchmarks.md. */
public final class MarkdownReport {
  private MarkdownReport() {}

  public static String render(BenchReport report) {
    StringBuilder md = new StringBuilder();
    List<SystemKind> systems = report.systems().stream().map(SystemKind::byId).toList();
    md.append("Profile `").append(report.profile()).append("`, ").append(report.startedAt())
        .append(", ").append(String.format(Locale.ROOT, "%.0f", report.seconds())).append(" s.\n\n");
    boolean verdicts = comparable(report);
    if (!verdicts) {
      md.append(caveat(report)).append("\n\n");
    }

    md.append("#### Throughput (ops/s)\n\n");
    header(md, systems);
    for (Map.Entry<String, String> scenario : Scenarios.DESCRIPTIONS.entrySet()) {
      row(md, report, scenario, systems, r -> opsPerSec(r.opsPerSec()) + (r.errors() > 0 ? " (" + r.errors() + " errors)" : ""));
    }

    md.append("\n#### Latency p50 / p99 / max (W6: caller time)\n\n");
    header(md, systems);
    for (Map.Entry<String, String> scenario : Scenarios.DESCRIPTIONS.entrySet()) {
      row(md, report, scenario, systems,
          r -> duration(r.p50Us()) + " / " + duration(r.p99Us()) + " / " + duration(r.maxUs()));
    }

    md.append("\n#### Process CPU time per operation (µs, user + system, every thread)\n\n");
    header(md, systems);
    for (Map.Entry<String, String> scenario : Scenarios.DESCRIPTIONS.entrySet()) {
      row(md, report, scenario, systems, r -> String.format(Locale.ROOT, "%.1f", r.cpuUsPerOp()));
    }

    md.append("\n#### Targets\n\n");
    if (!verdicts) {
      md.append(caveat(report)).append(" The last column says what these numbers would mean, not whether Stowage"
          + " meets the target.\n\n");
    }
    md.append("| target | definition | value | goal | met |\n|---|---|---:|---|---|\n");
    for (TargetCheck check : report.targets()) {
      String met = verdicts ? (check.met() ? "yes" : "**no**") : (check.met() ? "yes" : "no") + " (" + report.profile()
          + " run: not for comparison)";
      md.append("| ").append(check.name()).append(" | ").append(check.definition()).append(" | ")
          .append(Double.isNaN(check.value()) ? "n/a" : String.format(Locale.ROOT, "%.2f", check.value()))
          .append(" | ").append(check.goal()).append(" | ").append(met).append(" |\n");
    }

    MemoryResult memory = report.memory();
    if (memory != null) {
      md.append("\n#### Memory (Stowage)\n\n")
          .append("| manifests | max-active | manifests/s | peak heap | retained heap after GC, per tenth of the run | max live entities | heap limit |\n")
          .append("|---:|---:|---:|---:|---|---:|---:|\n")
          .append(String.format(Locale.ROOT, "| %,d | %,d | %s | %.0f MiB | %s | %,d | %.0f MiB |%n",
              memory.manifests(), memory.maxActive(), opsPerSec(memory.opsPerSec()), memory.peakHeapMiB(),
              String.join(", ", memory.retainedHeapMiB().stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList())
                  + " MiB",
              memory.maxLiveEntities(), memory.heapLimitMiB()));
    }
    if (!report.failures().isEmpty()) {
      md.append("\n#### Failures\n\n");
      report.failures().forEach(f -> md.append("- ").append(f).append('\n'));
    }
    return md.toString();
  }

  /**
   * Whether the numbers of {@code report} may be compared, with each other and with the targets:
   * only a full run's. A quick run (and the smoke test's tiny one) measures for a fraction of a
   * second per phase on a JVM that has barely warmed up.
   */
  static boolean comparable(BenchReport report) {
    return "full".equals(report.profile());
  }

  /** The warning a run that is not a full one carries, in its own output. */
  static String caveat(BenchReport report) {
    return "> **Not for comparison:** profile `" + report.profile() + "` runs short phases on a cold JVM, to check"
        + " that the harness works; its numbers, and the targets below, say nothing about the systems. The figures"
        + " of full runs (`bin/stowage bench`, several minutes) are in docs/benchmarks.md.";
  }

  private static void header(StringBuilder md, List<SystemKind> systems) {
    md.append("| scenario |");
    systems.forEach(s -> md.append(' ').append(s.label()).append(" |"));
    md.append("\n|---|");
    systems.forEach(s -> md.append("---:|"));
    md.append('\n');
  }

  private static void row(StringBuilder md, BenchReport report, Map.Entry<String, String> scenario,
      List<SystemKind> systems, java.util.function.Function<Result, String> cell) {
    if (report.results().stream().noneMatch(r -> r.scenario().equals(scenario.getKey()))) {
      return;
    }
    md.append("| ").append(scenario.getValue()).append(" |");
    for (SystemKind system : systems) {
      md.append(' ').append(Targets.find(report.results(), scenario.getKey(), system.id()).map(cell).orElse("–"))
          .append(" |");
    }
    md.append('\n');
  }

  public static String opsPerSec(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  /** Microseconds as µs below 1 ms, ms below 1 s, s above. */
  public static String duration(double micros) {
    if (micros < 1000) {
      return String.format(Locale.ROOT, "%.0f µs", micros);
    }
    if (micros < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f ms", micros / 1000);
    }
    return String.format(Locale.ROOT, "%.2f s", micros / 1_000_000);
  }
}
