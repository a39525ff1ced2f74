package dev.stowage.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** Computes the ratios of issue 7 from a run's results. */
public final class Targets {
  private Targets() {}

  /** Retained heap may grow this much from the first checkpoint to the last and still count as bounded. */
  static final double BOUNDED_GROWTH = 1.5;

  public static List<TargetCheck> evaluate(List<Result> results, MemoryResult memory) {
    List<TargetCheck> checks = new ArrayList<>();
    String stowage = SystemKind.STOWAGE.id();
    String raw = SystemKind.RAW_SQLITE.id();
    String lock = SystemKind.LOCK_COMMIT.id();
    checks.add(atLeast("W1-64 vs raw SQLite", "Stowage ops/s / raw SQLite ops/s, W1 64 writers",
        ratio(results, Scenarios.W1_64, stowage, raw, Result::opsPerSec), 0.7));
    checks.add(atLeast("W1-64 vs lock + commit", "Stowage ops/s / system 2 ops/s, W1 64 writers",
        ratio(results, Scenarios.W1_64, stowage, lock, Result::opsPerSec), 3));
    checks.add(atLeast("W1-full-64 vs lock + commit", "Stowage ops/s / system 2 ops/s, durability=full, 64 writers",
        ratio(results, Scenarios.W1_FULL_64, stowage, lock, Result::opsPerSec), 5));
    checks.add(atLeast("W2-8 hot reads vs raw SQLite", "Stowage ops/s (8 readers) / raw SQLite point reads ops/s (1 thread)",
        ratio(results, Scenarios.W2_8, stowage, raw, Result::opsPerSec), 3));
    checks.add(atLeast("W2-1 hot reads vs raw SQLite", "Stowage ops/s (1 reader) / raw SQLite point reads ops/s (1 thread)",
        ratio(results, Scenarios.W2_1, stowage, raw, Result::opsPerSec), 3));
    double evictingP99 = value(results, Scenarios.W4_WRITE_EVICTING, stowage, Result::p99Us);
    double fillingP99 = value(results, Scenarios.W4_WRITE, stowage, Result::p99Us);
    checks.add(atMost("W4 p99 write while evicting", "Stowage p99 setBlock while evicting / p99 without eviction",
        evictingP99 / fillingP99, 5));
    checks.add(atMost("W6 caller time p99.9 (ms)", "Stowage p99.9 time a caller spends inside a façade call, in ms",
        value(results, Scenarios.W6_8, stowage, Result::p999Us) / 1000, 1));
    if (memory != null) {
      boolean bounded = memory.maxLiveEntities() <= memory.maxActive() && memory.retainedGrowth() <= BOUNDED_GROWTH
          && memory.errors() == 0;
      checks.add(new TargetCheck("Memory: retained heap growth",
          "retained heap after full GC, end of run / first tenth after max-active manifests were touched, "
              + memory.manifests() + " manifests, max-active " + memory.maxActive()
              + "; live entities never above max-active",
          memory.retainedGrowth(), "<= " + BOUNDED_GROWTH + " and live <= max-active", bounded));
    }
    return checks;
  }

  /** Ratio of a metric between two systems on one scenario (NaN if either is missing). */
  public static double ratio(List<Result> results, String scenario, String system, String baseline,
      ToDoubleFunction<Result> metric) {
    return value(results, scenario, system, metric) / value(results, scenario, baseline, metric);
  }

  public static double value(List<Result> results, String scenario, String system, ToDoubleFunction<Result> metric) {
    return find(results, scenario, system).map(metric::applyAsDouble).orElse(Double.NaN);
  }

  public static Optional<Result> find(List<Result> results, String scenario, String system) {
    return results.stream().filter(r -> r.scenario().equals(scenario) && r.system().equals(system)).findFirst();
  }

  private static TargetCheck atLeast(String name, String definition, double value, double goal) {
    return new TargetCheck(name, definition, value, ">= " + goal, value >= goal);
  }

  private static TargetCheck atMost(String name, String definition, double value, double goal) {
    return new TargetCheck(name, definition, value, "<= " + goal, value <= goal);
  }
}
