package dev.stowage.bench.report;

import dev.stowage.bench.targets.SystemKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** Computes the goals of the benchmarks (issues 7 and 13) from a run's results. */
public final class Targets {
  private Targets() {}

  /** Retained heap may grow this much from the first checkpoint to the last and still count as bounded. */
  static final double BOUNDED_GROWTH = 1.5;

  /**
   * The goals of issue 13: Stowage's throughput against the best of the realistic alternatives
   * ({@link SystemKind#alternatives()}) on every workload, against lock + commit where commits
   * cost an fsync, and against one thread doing the same per-row work; plus the limits that must
   * hold meanwhile (caller time, eviction, memory).
   */
  public static List<TargetCheck> evaluate(List<Result> results, MemoryResult memory) {
    List<TargetCheck> checks = new ArrayList<>();
    String stowage = SystemKind.STOWAGE.id();
    checks.add(againstBest(results, Scenarios.W1_1, 0.5));
    checks.add(againstBest(results, Scenarios.W1_8, 1.5));
    checks.add(againstBest(results, Scenarios.W1_64, 2.0));
    checks.add(againstBest(results, Scenarios.W1_FULL_1, 0.8));
    checks.add(atLeast("W1-full-64 vs lock + commit", "Stowage ops/s / lock + commit ops/s, durability=full, 64 writers",
        ratio(results, Scenarios.W1_FULL_64, stowage, SystemKind.LOCK_COMMIT.id(), Result::opsPerSec), 5));
    checks.add(againstBest(results, Scenarios.W2_1, 0.8));
    checks.add(againstBest(results, Scenarios.W2_8, 0.8));
    checks.add(againstBest(results, Scenarios.W3_8, 1.0));
    checks.add(againstBest(results, Scenarios.W4_WRITE, 1.0));
    checks.add(againstBest(results, Scenarios.W4_WRITE_EVICTING, 1.0));
    checks.add(againstBest(results, Scenarios.W4_READ_EVICTING, 1.0));
    checks.add(againstBest(results, Scenarios.W5_8, 1.2));
    checks.add(againstBest(results, Scenarios.W6_8, 1.0));
    checks.add(againstBest(results, Scenarios.W7_1, 0.5));
    checks.add(againstBest(results, Scenarios.W7_8, 1.0));
    checks.add(atLeast("W1-64 vs raw, same work", "Stowage ops/s / raw-same-work ops/s (one thread, CBOR + AES-GCM, "
            + "1,000 rows per transaction), W1 64 writers",
        ratio(results, Scenarios.W1_64, stowage, SystemKind.RAW_SAME_WORK.id(), Result::opsPerSec), 0.5));
    double evictingP99 = value(results, Scenarios.W4_WRITE_EVICTING, stowage, Result::p99Us);
    double fillingP99 = value(results, Scenarios.W4_WRITE, stowage, Result::p99Us);
    checks.add(atMost("W4 p99 write while evicting", "Stowage p99 setBlock while evicting / p99 without eviction",
        evictingP99 / fillingP99, 5));
    checks.add(atMost("W6 caller time p99.9 (ms)", "Stowage p99.9 time a caller spends inside a façade call, in ms",
        value(results, Scenarios.W6_8, stowage, Result::p999Us) / 1000, 1));
    if (results.stream().anyMatch(r -> r.system().equals(SystemKind.RAW_POSTGRES.id()))) {
      checks.addAll(clusterGoals(results));
    }
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

  /**
   * The goals of issue 15, when the cluster rows and their anchor ran ({@code --cluster}): cluster
   * mode on one node against the same PostgreSQL's own upserts, and three nodes against one.
   */
  static List<TargetCheck> clusterGoals(List<Result> results) {
    String one = SystemKind.STOWAGE_CLUSTER_1.id();
    String raw = SystemKind.RAW_POSTGRES.id();
    return List.of(
        atLeast("W1-64 cluster-1 vs raw PostgreSQL", "Stowage cluster mode (1 node) ops/s / raw-postgres ops/s "
            + "(one upsert per transaction), W1 64 writers", ratio(results, Scenarios.W1_64, one, raw, Result::opsPerSec), 1.0),
        atLeast("W1-1 cluster-1 vs raw PostgreSQL", "Stowage cluster mode (1 node) ops/s / raw-postgres ops/s, W1 1 writer",
            ratio(results, Scenarios.W1_1, one, raw, Result::opsPerSec), 0.5),
        atLeast("W1-64 cluster-3 vs cluster-1", "Stowage cluster mode ops/s on 3 nodes / on 1 node, W1 64 writers",
            ratio(results, Scenarios.W1_64, SystemKind.STOWAGE_CLUSTER_3.id(), one, Result::opsPerSec), 0.5),
        atLeast("W7-1 cluster-1 vs raw PostgreSQL", "Stowage cluster mode (1 node) ops/s / raw-postgres ops/s doing the"
            + " same tree transactions (rows locked, compared, upserted, one commit), 1 client",
            ratio(results, Scenarios.W7_1, one, raw, Result::opsPerSec), 0.5),
        atLeast("W7-8 cluster-1 vs raw PostgreSQL", "Stowage cluster mode (1 node) ops/s / raw-postgres ops/s doing the"
            + " same tree transactions, 8 clients", ratio(results, Scenarios.W7_8, one, raw, Result::opsPerSec), 0.5));
  }

  /** Stowage's ops/s on {@code scenario} divided by the best of the alternatives there. */
  private static TargetCheck againstBest(List<Result> results, String scenario, double goal) {
    double best = Double.NaN;
    String bestId = "?";
    for (SystemKind alternative : SystemKind.alternatives()) {
      double v = value(results, scenario, alternative.id(), Result::opsPerSec);
      if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) {
        best = v;
        bestId = alternative.id();
      }
    }
    double stowage = value(results, scenario, SystemKind.STOWAGE.id(), Result::opsPerSec);
    return atLeast(scenario + " vs best alternative", "Stowage ops/s / best of lock-commit, thread-lock, "
        + "caffeine-jdbc (here " + bestId + "): " + Scenarios.DESCRIPTIONS.get(scenario), stowage / best, goal);
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
