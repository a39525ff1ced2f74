package dev.stowage.bench.workloads;

import java.time.Duration;

/**
 * The sizes of one run. {@link #full()} is what docs/benchmarks.md publishes, {@link #quick()}
 * finishes in about a minute, {@link #tiny()} is for the smoke test (seconds; numbers meaningless).
 *
 * @param jitWarmup per system, a run through all its operations before anything is measured
 * @param warmup unmeasured run before each timed measurement
 * @param measure length of each timed measurement
 * @param keysPerWriter distinct manifests each W1 writer cycles through
 * @param hotKeys manifests of W2/W3 (and W6's callers)
 * @param blockBytes size of a W4 block
 * @param blockLimit W4 block cache limit, in blocks
 * @param blockWritesPastLimit W4 writes after the cache is full (with as many reads in between)
 * @param chunkBytes size of a W5/W6 chunk
 * @param ensureEvery W5: ensureManifestPersistent every this many edits
 * @param vacuumChunks W6: chunks in the data database, so that each vacuum has work
 * @param memoryManifests distinct manifests the memory run touches
 * @param memoryMaxActive {@code entity.max-active} of the memory run
 */
public record BenchProfile(
    String name,
    Duration jitWarmup,
    Duration warmup,
    Duration measure,
    int keysPerWriter,
    int hotKeys,
    int blockBytes,
    int blockLimit,
    int blockWritesPastLimit,
    int chunkBytes,
    int ensureEvery,
    int vacuumChunks,
    int memoryManifests,
    int memoryMaxActive) {

  public static BenchProfile full() {
    return new BenchProfile("full", Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(6),
        256, 10_000, 512 << 10, 200, 400, 64 << 10, 10, 1_500, 1_000_000, 10_000);
  }

  public static BenchProfile quick() {
    return new BenchProfile("quick", Duration.ofSeconds(1), Duration.ofMillis(150), Duration.ofMillis(400),
        64, 1_000, 512 << 10, 16, 32, 64 << 10, 10, 100, 50_000, 10_000);
  }

  public static BenchProfile tiny() {
    return new BenchProfile("tiny", Duration.ZERO, Duration.ofMillis(50), Duration.ofMillis(150),
        8, 200, 16 << 10, 8, 16, 4 << 10, 5, 20, 2_000, 200);
  }

  /** This profile with timed measurements of {@code length} instead. */
  public BenchProfile measuring(Duration length) {
    return new BenchProfile(name, jitWarmup, warmup, length, keysPerWriter, hotKeys, blockBytes, blockLimit,
        blockWritesPastLimit, chunkBytes, ensureEvery, vacuumChunks, memoryManifests, memoryMaxActive);
  }

  /** The profile called {@code name}: full, quick or tiny. */
  public static BenchProfile named(String name) {
    return switch (name) {
      case "full" -> full();
      case "quick" -> quick();
      case "tiny" -> tiny();
      default -> throw new IllegalArgumentException("unknown profile '" + name + "' (full, quick, tiny)");
    };
  }
}
