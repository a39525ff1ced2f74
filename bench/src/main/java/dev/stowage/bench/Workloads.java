package dev.stowage.bench;

import java.util.List;

/** Every workload of the benchmark (issue 7), in the order of its tables. */
final class Workloads {
  private Workloads() {}

  static List<Workload> all() {
    return List.of(new ManifestWrites(), new ManifestReads(), new BlockEviction(), new FileEditing(),
        new CallerBlocking());
  }
}
