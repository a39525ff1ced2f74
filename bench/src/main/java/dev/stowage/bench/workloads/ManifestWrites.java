package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.storage.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * W1: durable manifest writes ({@code setManifest}, acknowledged after commit) by 1, 8 and 64
 * concurrent writers, and by 1 and 64 with {@code durability = full}. Each writer cycles through its
 * own manifests, half folders of 20 children, half files of 50 chunk refs. A fresh target per
 * writer count.
 */
final class ManifestWrites implements Workload {

  /** The cluster rows run W1 too: it is the workload they were made for. */
  @Override
  public boolean runsOn(SystemKind system) {
    return true;
  }

  private record Case(String scenario, Durability durability, int writers) {}

  private static final List<Case> CASES = List.of(
      new Case(Scenarios.W1_1, Durability.NORMAL, 1),
      new Case(Scenarios.W1_8, Durability.NORMAL, 8),
      new Case(Scenarios.W1_64, Durability.NORMAL, 64),
      new Case(Scenarios.W1_FULL_1, Durability.FULL, 1),
      new Case(Scenarios.W1_FULL_64, Durability.FULL, 64));

  @Override
  public String name() {
    return "W1";
  }

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    List<Result> results = new ArrayList<>();
    for (Case c : CASES) {
      if (!context.wants(c.scenario()) || SystemKind.cluster().contains(system) && c.durability() == Durability.FULL) {
        continue; // durability is PostgreSQL's setting there, not Stowage's
      }
      List<List<Manifests.Keyed>> perWriter = new ArrayList<>();
      for (int w = 0; w < c.writers(); w++) {
        perWriter.add(Manifests.mixed(profile.keysPerWriter()));
      }
      try (BenchContext.OpenTarget open = context.open(system, c.durability(), UnaryOperator.identity())) {
        BenchTarget target = open.target();
        Measurement m = Driver.run(target, Phase.timed(c.writers(), profile.warmup(), profile.measure()),
            (client, seq) -> {
              List<Manifests.Keyed> own = perWriter.get(client);
              Manifests.Keyed next = own.get((int) (seq % own.size()));
              return target.setManifest(next.id(), next.manifest());
            });
        results.add(Result.latency(c.scenario(), system, m, 0, ""));
      }
    }
    return results;
  }
}
