package dev.stowage.bench.targets;

import dev.stowage.storage.Durability;
import java.nio.file.Path;

/**
 * How a workload wants its system opened: the same values for every system, so they all run under
 * the same pragmas and the same cache bounds.
 *
 * @param dir a fresh, empty directory that only this target uses
 * @param durability {@code synchronous=NORMAL} or {@code FULL}, for every database of the target
 * @param blockSize nominal block size in bytes (Stowage's {@code block-size})
 * @param blockLimit most blocks the block cache keeps before evicting
 * @param maxActive most cached manifests (Stowage's {@code entity.max-active}, Caffeine's maximum size)
 * @param vacuumThreshold Stowage vacuums only above this on-disk size; the baselines always vacuum
 */
public record TargetOptions(
    Path dir, Durability durability, int blockSize, long blockLimit, int maxActive, long vacuumThreshold) {

  /** Defaults for manifest workloads: a block cache large enough never to evict. */
  public static TargetOptions defaults(Path dir, Durability durability) {
    return new TargetOptions(dir, durability, 512 << 10, 2048, 100_000, 512L << 20);
  }

  public TargetOptions withBlocks(int blockSize, long blockLimit) {
    return new TargetOptions(dir, durability, blockSize, blockLimit, maxActive, vacuumThreshold);
  }

  public TargetOptions withMaxActive(int maxActive) {
    return new TargetOptions(dir, durability, blockSize, blockLimit, maxActive, vacuumThreshold);
  }

  public TargetOptions withVacuumThreshold(long vacuumThreshold) {
    return new TargetOptions(dir, durability, blockSize, blockLimit, maxActive, vacuumThreshold);
  }
}
