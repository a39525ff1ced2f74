package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.MemoryResult;
import dev.stowage.bench.targets.StowageTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.Durability;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The memory target of issue 7, for Stowage: {@code memoryManifests} distinct manifests touched
 * (cache-only {@code setManifest} of a 20-child folder; each one becomes an entity, is flushed by
 * {@code cache.max-dirty} or passivation) with {@code entity.max-active = memoryMaxActive}. A
 * sampler notes the peak heap every 50 ms, and at each tenth of the run the heap retained after a
 * full GC and the live entity count. Bounded memory shows as a flat retained heap.
 */
public final class MemoryFootprint {
  private static final int WRITERS = 8;
  private static final int CHECKPOINTS = 10;
  private static final double MIB = 1 << 20;

  public MemoryResult run(BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    int total = profile.memoryManifests();
    FolderManifest template = Manifests.folder(EntryId.random());
    Map<String, EntryId> children = template.children();
    long idBase = System.nanoTime();
    try (BenchContext.OpenTarget open = context.open(SystemKind.STOWAGE, Durability.NORMAL,
        options -> options.withMaxActive(profile.memoryMaxActive()))) {
      StowageTarget target = (StowageTarget) open.target();
      Sampler sampler = new Sampler(target);
      Thread thread = new Thread(sampler, "bench-memory-sampler");
      thread.setDaemon(true);
      thread.start();
      long every = Math.max(1, total / CHECKPOINTS);
      Measurement m;
      try {
        m = Driver.run(target, Phase.counted(WRITERS, total), (client, seq) -> {
          if (seq % every == every - 1) {
            sampler.checkpoints.add(seq + 1);
          }
          EntryId id = EntryId.of(new UUID(idBase, seq));
          FolderManifest folder = new FolderManifest(id, template.parent(), 1, true, Instant.now(), children);
          return target.setManifestCacheOnly(id, folder, Set.of());
        });
      } finally {
        sampler.stop.set(true);
        thread.join();
      }
      double seconds = m.elapsedNanos() / 1e9;
      return new MemoryResult(total, profile.memoryMaxActive(), seconds, m.totalOps() / seconds,
          sampler.peakBytes / MIB, sampler.retainedMiB, sampler.retainedAt, sampler.maxLiveEntities,
          Runtime.getRuntime().maxMemory() / MIB, m.errors());
    }
  }

  /** Samples heap use; on each checkpoint request, a full GC, the retained heap and the live entities. */
  private static final class Sampler implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final BlockingQueue<Long> checkpoints = new LinkedBlockingQueue<>();
    final List<Double> retainedMiB = Collections.synchronizedList(new ArrayList<>());
    final List<Long> retainedAt = Collections.synchronizedList(new ArrayList<>());
    volatile long peakBytes;
    volatile int maxLiveEntities;
    private final StowageTarget target;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    Sampler(StowageTarget target) {
      this.target = target;
    }

    @Override
    public void run() {
      try {
        while (!stop.get() || !checkpoints.isEmpty()) {
          peakBytes = Math.max(peakBytes, memory.getHeapMemoryUsage().getUsed());
          Long touched = checkpoints.poll(50, TimeUnit.MILLISECONDS);
          if (touched != null) {
            memory.gc();
            retainedMiB.add(memory.getHeapMemoryUsage().getUsed() / MIB);
            retainedAt.add(touched);
            int live = target.storage().stats().toCompletableFuture().get(1, TimeUnit.MINUTES).liveEntities();
            maxLiveEntities = Math.max(maxLiveEntities, live);
          }
        }
      } catch (Exception e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
