package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.storage.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * W2 and W3 on one target: {@code hotKeys} manifests are stored and read once (so every cache holds
 * them), then W2 reads random ones with 1 and 8 readers; W3 then repeatedly empties the cache
 * ({@code clearMemoryCache}, not measured) and reads every key once with 8 readers: rounds during
 * the warm-up are not counted, the rounds after it until the measurement time is used up are.
 */
final class ManifestReads implements Workload {
  private static final int LOADERS = 8;
  private static final int COLD_READERS = 8;

  @Override
  public String name() {
    return "W2-W3";
  }

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    List<Manifests.Keyed> keys = Manifests.mixed(profile.hotKeys());
    List<Result> results = new ArrayList<>();
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL, UnaryOperator.identity())) {
      BenchTarget target = open.target();
      Measurement stored = Driver.run(target, Phase.counted(LOADERS, keys.size()), (client, seq) -> {
        Manifests.Keyed k = keys.get((int) seq);
        return target.setManifest(k.id(), k.manifest());
      });
      Measurement warmed = Driver.run(target, Phase.counted(LOADERS, keys.size()), (client, seq) -> read(target, keys, seq));
      stored.requireNoErrors("storing the manifests");
      warmed.requireNoErrors("reading every manifest once");

      for (int readers : new int[] {1, 8}) {
        Measurement hot = Driver.run(target, Phase.timed(readers, profile.warmup(), profile.measure()),
            (client, seq) -> read(target, keys, ThreadLocalRandom.current().nextInt(keys.size())));
        results.add(Result.latency(readers == 1 ? Scenarios.W2_1 : Scenarios.W2_8, system, hot, 0, ""));
      }

      // Rounds in the warm-up, as every other timed phase has, are run and not counted.
      long warmupDeadline = System.nanoTime() + profile.warmup().toNanos();
      while (System.nanoTime() < warmupDeadline) {
        coldRound(target, keys).requireNoErrors("the cold reads' warm-up");
      }
      Measurement cold = null;
      long deadline = System.nanoTime() + profile.measure().toNanos();
      int rounds = 0;
      do {
        cold = coldRound(target, keys).plus(cold);
        rounds++;
      } while (System.nanoTime() < deadline);
      results.add(Result.latency(Scenarios.W3_8, system, cold, 0, rounds + " rounds of " + keys.size() + " keys"));
    }
    return results;
  }

  /** Empties the cache, then reads every manifest once. */
  /**
   * Also on Stowage's cluster rows, where W3's cold read is an entity's start (its take-over of the
   * row, a write); not on raw PostgreSQL, which keeps no cache to clear.
   */
  @Override
  public boolean runsOn(SystemKind system) {
    return system != SystemKind.RAW_POSTGRES;
  }

  private static Measurement coldRound(BenchTarget target, List<Manifests.Keyed> keys) throws InterruptedException {
    target.clearMemoryCache().toCompletableFuture().join();
    return Driver.run(target, Phase.counted(COLD_READERS, keys.size()), (client, seq) -> read(target, keys, seq));
  }

  private static CompletionStage<?> read(BenchTarget target, List<Manifests.Keyed> keys, long index) {
    Manifests.Keyed k = keys.get((int) index);
    return Present.require(target.getManifest(k.id()), "manifest " + k.id());
  }
}
