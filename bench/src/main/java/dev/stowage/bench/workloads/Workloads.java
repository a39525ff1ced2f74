package dev.stowage.bench.workloads;

import java.util.List;

/** Every workload of the benchmark (issue 7), in the order of its tables. */
public final class Workloads {
  private Workloads() {}

  public static List<Workload> all() {
    return List.of(new ManifestWrites(), new ManifestReads(), new BlockEviction(), new FileEditing(),
        new CallerBlocking(), new TreeOperations());
  }
}
