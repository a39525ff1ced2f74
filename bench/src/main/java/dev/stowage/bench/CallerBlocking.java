package dev.stowage.bench;

import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * W6: how long a caller's thread is held inside a call (until the call returns its stage, not until
 * the stage completes) while the system runs heavy maintenance. A maintenance thread loops: a full
 * {@code runVacuum} of a data database holding {@code vacuumChunks} chunks, then a burst of block
 * writes that makes the LRU evict a tenth of the block cache. Meanwhile 8 callers alternate a
 * durable {@code setManifest} and a {@code getManifest}. The result's percentiles are caller time.
 */
final class CallerBlocking implements Workload {
  private static final int CALLERS = 8;
  private static final int LOADERS = 4;

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
      Driver.run(target, Phase.counted(LOADERS, profile.vacuumChunks()),
          (client, seq) -> target.setChunk(ChunkId.random(), payload)).requireNoErrors("storing chunks");
      Driver.run(target, Phase.counted(LOADERS, blockLimit),
          (client, seq) -> target.setBlock(ChunkId.random(), payload)).requireNoErrors("filling the block cache");
      Driver.run(target, Phase.counted(LOADERS, (long) CALLERS * profile.keysPerWriter()), (client, seq) -> {
        Manifests.Keyed k = keys.get((int) (seq % CALLERS)).get((int) (seq / CALLERS));
        return target.setManifest(k.id(), k.manifest());
      }).requireNoErrors("storing the callers' manifests");

      Maintenance maintenance = new Maintenance(target, payload, blockLimit / 10 + 1);
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
              + " MiB and " + maintenance.evictions.get() + " evictions of " + (blockLimit / 10) + " blocks ran"));
    }
  }

  /** Vacuum, then enough block writes for one eviction; again, until stopped. */
  private static final class Maintenance implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger vacuums = new AtomicInteger();
    final AtomicInteger evictions = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final BenchTarget target;
    private final byte[] payload;
    private final int burst;

    Maintenance(BenchTarget target, byte[] payload, int burst) {
      this.target = target;
      this.payload = payload;
      this.burst = burst;
    }

    @Override
    public void run() {
      try {
        while (!stop.get()) {
          target.runVacuum().toCompletableFuture().join();
          vacuums.incrementAndGet();
          for (int i = 0; i < burst && !stop.get(); i++) {
            target.setBlock(ChunkId.random(), payload).toCompletableFuture().join();
          }
          evictions.incrementAndGet();
        }
      } catch (RuntimeException e) {
        failure.set(e);
      }
    }
  }
}
