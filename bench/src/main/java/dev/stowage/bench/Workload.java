package dev.stowage.bench;

import java.util.List;

/** One family of scenarios (W1 … W6), run against one system at a time, each time on fresh directories. */
public interface Workload {

  /** Its name, e.g. {@code W1}; {@code --workloads W3} selects every workload whose name contains W3. */
  String name();

  /** Runs every scenario of the family against {@code system}; one result per scenario (and lane). */
  List<Result> run(SystemKind system, BenchContext context) throws Exception;

  /** Every workload of issue 7, in table order. */
  static List<Workload> all() {
    return List.of(new ManifestWrites(), new ManifestReads(), new BlockEviction(), new FileEditing(),
        new CallerBlocking());
  }
}
