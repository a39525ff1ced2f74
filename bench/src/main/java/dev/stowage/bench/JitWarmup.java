package dev.stowage.bench;

import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.Durability;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs every system once through all its operations before anything is measured, results
 * discarded. Without it the first workload measures the JIT compiler rather than the system: on 2
 * cores, compiling competes with the system for the same CPU, and the first system in the table
 * would pay for the whole process.
 */
final class JitWarmup {
  private static final int CLIENTS = 8;
  private static final int OPS_PER_ROUND = 7;
  /** Client 0 empties the cache every this many of its operations. */
  private static final int COLD_EVERY = 200;

  private JitWarmup() {}

  static void run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    if (profile.jitWarmup().isZero()) {
      return;
    }
    List<Manifests.Keyed> keys = Manifests.mixed(CLIENTS * 16);
    byte[] payload = new byte[16 << 10];
    ThreadLocalRandom.current().nextBytes(payload);
    // Blocks of W4's size: large payloads take their own route through the cipher (BlobCipher),
    // which the JIT must have compiled before the first system's W4 is measured.
    byte[] block = new byte[profile.blockBytes()];
    ThreadLocalRandom.current().nextBytes(block);
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL,
        options -> options.withBlocks(block.length, 64))) {
      BenchTarget target = open.target();
      Phase phase = Phase.timed(CLIENTS, Duration.ZERO, profile.jitWarmup());
      Driver.run(target, phase, (client, seq) -> {
        Manifests.Keyed k = keys.get((int) ((seq * CLIENTS + client) % keys.size()));
        if (client == 0 && seq % COLD_EVERY == COLD_EVERY - 1) {
          // W3's path: the reads after this one load their manifests (decode included) instead of
          // finding them cached, so the first system measured in W3 is not the one that compiles it.
          return target.clearMemoryCache();
        }
        return switch ((int) (seq % OPS_PER_ROUND)) {
          case 0 -> target.setManifest(k.id(), k.manifest());
          case 1 -> target.getManifest(k.id());
          case 2 -> target.setManifestCacheOnly(k.id(), k.manifest(), Set.of(ChunkId.random()));
          case 3 -> target.ensurePersistent(k.id());
          case 4 -> target.setChunk(ChunkId.random(), payload);
          case 5 -> target.setBlock(ChunkId.random(), block);
          default -> target.getBlock(ChunkId.random());
        };
      });
    }
  }
}
