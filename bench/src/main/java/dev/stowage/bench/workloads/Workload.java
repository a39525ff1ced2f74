package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Result;
import dev.stowage.bench.targets.SystemKind;
import java.util.List;

/** One family of scenarios (W1 … W7), run against one system at a time, each time on fresh directories. */
public interface Workload {

  /** Its name, e.g. {@code W1}; {@code --workloads W3} selects every workload whose name contains W3. */
  String name();

  /** Runs every scenario of the family against {@code system}; one result per scenario (and lane). */
  List<Result> run(SystemKind system, BenchContext context) throws Exception;

  /** Whether it runs against {@code system}: the cluster rows run only the workloads made for them. */
  default boolean runsOn(SystemKind system) {
    return !SystemKind.cluster().contains(system);
  }
}
