package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.Durability;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * W4: the block cache. {@code blockLimit} blocks of {@code blockBytes} are written into an empty
 * cache (no eviction), then {@code blockWritesPastLimit} more, each followed by a read of a recent
 * block, so that the LRU evicts a tenth of the cache every tenth of it written. Read misses are
 * counted, not failed. The p99 write
 * latency while evicting is compared with the p99 of the filling phase.
 */
final class BlockEviction implements Workload {
  private static final int CLIENTS = 4;
  private static final int WRITE = 0;
  private static final int READ = 1;

  @Override
  public String name() {
    return "W4";
  }

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    byte[] block = new byte[profile.blockBytes()];
    ThreadLocalRandom.current().nextBytes(block);
    RecentBlocks recent = new RecentBlocks(profile.blockLimit() / 2);
    AtomicLong misses = new AtomicLong();
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL,
        options -> options.withBlocks(profile.blockBytes(), profile.blockLimit()))) {
      BenchTarget target = open.target();
      Measurement filling = Driver.run(target, Phase.counted(CLIENTS, profile.blockLimit()),
          (client, seq) -> write(target, block, recent));
      Measurement evicting = Driver.run(target,
          Phase.counted(CLIENTS, 2L * profile.blockWritesPastLimit()).withLanes(2, seq -> (int) (seq % 2)),
          (client, seq) -> seq % 2 == WRITE ? write(target, block, recent) : read(target, recent, misses));
      return List.of(
          Result.latency(Scenarios.W4_WRITE, system, filling, 0, profile.blockLimit() + " blocks into an empty cache"),
          Result.latency(Scenarios.W4_WRITE_EVICTING, system, evicting, WRITE,
              profile.blockWritesPastLimit() + " blocks past a limit of " + profile.blockLimit()),
          Result.latency(Scenarios.W4_READ_EVICTING, system, evicting, READ,
              misses.get() + " of " + evicting.ops(READ) + " reads missed (evicted by the LRU)"));
    }
  }

  /**
   * Reads a recently written block. A miss is possible and not an error: a block written recently
   * but never read can be less recently <em>accessed</em> than an older one that was read.
   */
  private static CompletionStage<?> read(BenchTarget target, RecentBlocks recent, AtomicLong misses) {
    return target.getBlock(recent.any()).thenApply(block -> {
      if (block == null) {
        misses.incrementAndGet();
      }
      return block;
    });
  }

  private static CompletionStage<?> write(BenchTarget target, byte[] block, RecentBlocks recent) {
    ChunkId id = ChunkId.random();
    return target.setBlock(id, block).thenRun(() -> recent.add(id));
  }
}
