package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.Durability;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * W6: how long a caller's thread is held inside a call (until the call returns its stage, not until
 * the stage completes) while the system runs heavy maintenance. A maintenance thread starts a round
 * every {@link #MAINTENANCE_PERIOD} (at once if the last took longer): it replaces a tenth of the
 * {@code vacuumChunks} chunks of the data database (new chunks written, the oldest removed through a
 * manifest made durable), so that every vacuum has as many free pages to reclaim in every system;
 * then a {@code runVacuum} of that database; then a burst of block writes that makes the LRU evict a
 * tenth of the block cache. Meanwhile 8 callers alternate a durable {@code setManifest} and a {@code
 * getManifest}. The result's percentiles are caller time.
 *
 * <p>The rounds are paced so that every system does the same maintenance in the same time: run
 * back to back, a system whose maintenance is quick would do more of it and be measured with its
 * callers competing against more work.
 */
final class CallerBlocking implements Workload {
  private static final int CALLERS = 8;
  private static final int LOADERS = 4;
  /** How often a maintenance round starts. */
  static final Duration MAINTENANCE_PERIOD = Duration.ofSeconds(1);

  @Override
  public String name() {
    return "W6";
  }

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    int blockLimit = Math.max(20, profile.vacuumChunks() / 2);
    byte[] payload = new byte[profile.chunkBytes()];
    ThreadLocalRandom.current().nextBytes(payload);
    List<List<Manifests.Keyed>> keys = new ArrayList<>();
    for (int c = 0; c < CALLERS; c++) {
      keys.add(Manifests.mixed(profile.keysPerWriter()));
    }
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL,
        options -> options.withVacuumThreshold(0).withBlocks(profile.chunkBytes(), blockLimit))) {
      BenchTarget target = open.target();
      List<ChunkId> chunks = new ArrayList<>();
      for (int i = 0; i < profile.vacuumChunks(); i++) {
        chunks.add(ChunkId.random());
      }
      Driver.run(target, Phase.counted(LOADERS, chunks.size()),
          (client, seq) -> target.setChunk(chunks.get((int) seq), payload)).requireNoErrors("storing chunks");
      Driver.run(target, Phase.counted(LOADERS, blockLimit),
          (client, seq) -> target.setBlock(ChunkId.random(), payload)).requireNoErrors("filling the block cache");
      Driver.run(target, Phase.counted(LOADERS, (long) CALLERS * profile.keysPerWriter()), (client, seq) -> {
        Manifests.Keyed k = keys.get((int) (seq % CALLERS)).get((int) (seq / CALLERS));
        return target.setManifest(k.id(), k.manifest());
      }).requireNoErrors("storing the callers' manifests");

      Maintenance maintenance = new Maintenance(target, payload, blockLimit / 10 + 1, chunks);
      Thread thread = new Thread(maintenance, "bench-maintenance");
      thread.setDaemon(true);
      thread.start();
      Measurement m;
      try {
        m = Driver.run(target, Phase.timed(CALLERS, profile.warmup(), profile.measure()), (client, seq) -> {
          List<Manifests.Keyed> own = keys.get(client);
          Manifests.Keyed k = own.get((int) ((seq / 2) % own.size()));
          return seq % 2 == 0
              ? target.setManifest(k.id(), k.manifest())
              : Present.require(target.getManifest(k.id()), "manifest " + k.id());
        });
      } finally {
        maintenance.stop.set(true);
        thread.join();
      }
      if (maintenance.failure.get() != null) {
        throw new IllegalStateException("maintenance failed", maintenance.failure.get());
      }
      return List.of(Result.callerTime(Scenarios.W6_8, system, m,
          maintenance.vacuums.get() + " vacuums of ~" + (long) profile.vacuumChunks() * profile.chunkBytes() / (1 << 20)
              + " MiB (a round a second at most), each after replacing " + maintenance.churn + " chunks, and "
              + maintenance.evictions.get()
              + " evictions of " + (blockLimit / 10) + " blocks ran"));
    }
  }

  /** Replace a tenth of the chunks, vacuum, then enough block writes for one eviction; again, until stopped. */
  private static final class Maintenance implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger vacuums = new AtomicInteger();
    final AtomicInteger evictions = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final int churn;
    private final BenchTarget target;
    private final byte[] payload;
    private final int burst;
    /** The chunks stored, oldest first. */
    private final ArrayDeque<ChunkId> live;
    /** The manifest whose removed chunks are the replaced ones. */
    private final Manifests.Keyed owner = Manifests.mixed(1).get(0);

    Maintenance(BenchTarget target, byte[] payload, int burst, List<ChunkId> chunks) {
      this.target = target;
      this.payload = payload;
      this.burst = burst;
      this.live = new ArrayDeque<>(chunks);
      this.churn = Math.max(1, chunks.size() / 10);
    }

    /** Writes {@code churn} new chunks and removes as many of the oldest, durably. */
    private void replaceChunks() {
      Set<ChunkId> removed = new HashSet<>();
      for (int i = 0; i < churn && !live.isEmpty(); i++) {
        removed.add(live.poll());
      }
      for (int i = 0; i < churn; i++) {
        ChunkId id = ChunkId.random();
        target.setChunk(id, payload).toCompletableFuture().join();
        live.add(id);
      }
      target.setManifestCacheOnly(owner.id(), owner.manifest(), removed).toCompletableFuture().join();
      target.ensurePersistent(owner.id()).toCompletableFuture().join();
    }

    @Override
    public void run() {
      try {
        long nextRound = System.nanoTime();
        while (!stop.get()) {
          long wait = nextRound - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            continue; // stop may have been set meanwhile
          }
          nextRound = Math.max(nextRound + MAINTENANCE_PERIOD.toNanos(), System.nanoTime());
          replaceChunks();
          target.runVacuum().toCompletableFuture().join();
          vacuums.incrementAndGet();
          for (int i = 0; i < burst && !stop.get(); i++) {
            target.setBlock(ChunkId.random(), payload).toCompletableFuture().join();
          }
          evictions.incrementAndGet();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure.set(e);
      }
    }
  }
}
