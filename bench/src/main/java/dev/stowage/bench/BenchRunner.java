package dev.stowage.bench;

import dev.stowage.bench.report.BenchReport;
import dev.stowage.bench.report.MachineInfo;
import dev.stowage.bench.report.MarkdownReport;
import dev.stowage.bench.report.MemoryResult;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Targets;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.bench.workloads.BenchContext;
import dev.stowage.bench.workloads.JitWarmup;
import dev.stowage.bench.workloads.MemoryFootprint;
import dev.stowage.bench.workloads.Workload;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Warms every system up ({@link JitWarmup}), then runs the selected workloads against the selected
 * systems, workload by workload (so that any
 * drift of the machine during the run touches every system alike), each on fresh directories, then
 * the memory run, and assembles the {@link BenchReport}. A system that fails a workload is recorded
 * in the report's failures and the run goes on.
 */
public final class BenchRunner {
  private final BenchContext context;
  private final List<SystemKind> systems;
  private final List<Workload> workloads;
  private final boolean memory;

  public BenchRunner(BenchContext context, List<SystemKind> systems, List<Workload> workloads, boolean memory) {
    this.context = context;
    this.systems = List.copyOf(systems);
    this.workloads = List.copyOf(workloads);
    this.memory = memory;
  }

  public BenchReport run(String command) {
    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long t0 = System.nanoTime();
    List<Result> results = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (SystemKind system : systems) {
      try {
        if (SystemKind.cluster().contains(system)) {
          JitWarmup.runManifestWrites(system, context); // W1 only, counted: these systems are slow
        } else {
          JitWarmup.run(system, context);
        }
      } catch (Exception | Error e) {
        failures.add("warm-up on " + system.id() + ": " + e);
        e.printStackTrace(context.log());
      }
    }
    context.log().printf(Locale.ROOT, "warm-up done after %.1f s%n", (System.nanoTime() - t0) / 1e9);
    for (Workload workload : workloads) {
      for (SystemKind system : systems) {
        if (!workload.runsOn(system)) {
          continue;
        }
        long start = System.nanoTime();
        try {
          List<Result> produced = workload.run(system, context).stream()
              .filter(result -> context.wants(result.scenario())).toList();
          produced.forEach(this::print);
          results.addAll(produced);
        } catch (Exception | Error e) {
          String failure = workload.name() + " on " + system.id() + ": " + e;
          failures.add(failure);
          context.log().println("FAILED " + failure);
          e.printStackTrace(context.log());
        }
        context.log().printf(Locale.ROOT, "  (%s on %s took %.1f s)%n", workload.name(), system.id(),
            (System.nanoTime() - start) / 1e9);
      }
    }
    MemoryResult memoryResult = null;
    if (memory && systems.contains(SystemKind.STOWAGE)) {
      try {
        memoryResult = new MemoryFootprint().run(context);
        context.log().printf(Locale.ROOT,
            "memory: %,d manifests in %.1f s, peak heap %.0f MiB, retained %s MiB, max live %d%n",
            memoryResult.manifests(), memoryResult.seconds(), memoryResult.peakHeapMiB(),
            memoryResult.retainedHeapMiB().stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(),
            memoryResult.maxLiveEntities());
      } catch (Exception | Error e) {
        failures.add("memory on stowage: " + e);
        e.printStackTrace(context.log());
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new BenchReport(command, context.profile().name(), started.toString(), seconds,
        MachineInfo.describe(context.workDirForReport()), systems.stream().map(SystemKind::id).toList(), results,
        Targets.evaluate(results, memoryResult), memoryResult, failures);
  }

  private void print(Result r) {
    context.log().printf(Locale.ROOT, "%-18s %-14s %3d clients %12s ops/s  p50 %9s  p99 %9s  p99.9 %9s  max %9s%s%s%n",
        r.scenario(), r.system(), r.clients(), MarkdownReport.opsPerSec(r.opsPerSec()),
        MarkdownReport.duration(r.p50Us()), MarkdownReport.duration(r.p99Us()), MarkdownReport.duration(r.p999Us()),
        MarkdownReport.duration(r.maxUs()), r.errors() > 0 ? "  ERRORS " + r.errors() : "",
        r.note().isEmpty() ? "" : "  [" + r.note() + "]");
  }
}
