package dev.stowage.bench.workloads;

import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.Durability;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs every system once through all its operations before anything is measured, results
 * discarded. Without it the first workload measures the JIT compiler rather than the system: on 2
 * cores, compiling competes with the system for the same CPU, and the first system in the table
 * would pay for the whole process.
 */
public final class JitWarmup {
  private static final int CLIENTS = 8;
  private static final int OPS_PER_ROUND = 7;
  /** Client 0 empties the cache every this many of its operations. */
  private static final int COLD_EVERY = 200;
  /** Manifests of the cold-read rounds: each round empties the cache and reads them all. */
  private static final int COLD_KEYS = 2_000;
  /** The share of the warm-up spent in cold-read rounds. */
  private static final double COLD_SHARE = 0.4;
  /**
   * W7's tree transactions, run after the rest for this share of the warm-up again, on the systems
   * W7 runs on: until they were added (issue 27), W7 was the one workload whose path (Stowage's
   * transaction protocol, the peers' compare-and-write, the workload's own folder copies) the first
   * system measured in it compiled during its own timed run.
   */
  private static final double TREE_SHARE = 0.4;
  private static final Workload TREE_OPERATIONS = new TreeOperations();
  /**
   * After the timed tree rounds, more of them until one leaves the JIT compiler quiet ({@link
   * CompilerQuiet}): on 2 cores Stowage's transaction path was still being compiled by C2 when
   * W7-8's timed run began. A round is 8 clients for a fifth of the profile's JIT warm-up (1 s in
   * the full one), then 1 client for half that: W7's two cases.
   */
  private static final int QUIET_ROUNDS_PER_WARMUP = 5;
  /** The longest the quiet rounds may go on, in JIT warm-ups of the profile (30 s in the full one). */
  private static final long QUIET_CAP_WARMUPS = 6;
  /** Cluster rows: tree transactions per second of the profile's warm-up (a few hundred a second there). */
  private static final long CLUSTER_TREE_OPS_PER_WARMUP_SECOND = 1_000;

  /** Cluster rows: operations per second of the profile's warm-up, and the longest it may take per second of it. */
  private static final long CLUSTER_OPS_PER_WARMUP_SECOND = 12_000;
  private static final long CLUSTER_CAP_PER_WARMUP_SECOND = 12;

  private JitWarmup() {}

  /**
   * The cluster rows' warm-up (and their anchor's): W1's operations, durable writes and reads of
   * manifests, then on the systems W7 runs on its tree transactions (5,000 in the full profile),
   * counted rather than timed. At a few hundred writes a second a timed warm-up ends
   * before C2 has compiled the path (Cluster Sharding, Artery, pekko-persistence-jdbc, JDBC): a
   * profile of cluster-1 W1-1 measured after the old 8 s found half the process's CPU in the JIT
   * compiler (issue 15), and with group commit, whose writes are ten times faster, 16,000 left C2
   * at a fifth of the CPU of cluster-1 W1-64. 60,000 operations in the full profile, at most 60 s.
   */
  public static void runManifestWrites(SystemKind system, BenchContext context) throws Exception {
    Duration warmup = context.profile().jitWarmup();
    if (warmup.isZero()) {
      return;
    }
    long ops = CLUSTER_OPS_PER_WARMUP_SECOND * Math.max(1, warmup.toSeconds());
    Duration cap = warmup.multipliedBy(CLUSTER_CAP_PER_WARMUP_SECOND);
    List<Manifests.Keyed> keys = Manifests.mixed(CLIENTS * 16);
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL, options -> options)) {
      BenchTarget target = open.target();
      Driver.run(target, new Phase(CLIENTS, Duration.ZERO, cap, ops, 1, seq -> 0), (client, seq) -> {
        Manifests.Keyed k = keys.get((int) (seq % keys.size()));
        return seq % 4 == 3 ? target.getManifest(k.id()) : target.setManifest(k.id(), k.manifest());
      });
      if (TREE_OPERATIONS.runsOn(system)) {
        long treeOps = CLUSTER_TREE_OPS_PER_WARMUP_SECOND * Math.max(1, warmup.toSeconds());
        TreeOperations.warmUp(target, new Phase(CLIENTS, Duration.ZERO, cap, treeOps, 1, seq -> 0));
      }
    }
  }

  public static void run(SystemKind system, BenchContext context) throws Exception {
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
      Duration coldRounds = Duration.ofMillis((long) (profile.jitWarmup().toMillis() * COLD_SHARE));
      Phase phase = Phase.timed(CLIENTS, Duration.ZERO, profile.jitWarmup().minus(coldRounds));
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
      coldReads(target, coldRounds);
      if (TREE_OPERATIONS.runsOn(system)) {
        Duration treeRounds = Duration.ofMillis((long) (profile.jitWarmup().toMillis() * TREE_SHARE));
        TreeOperations.warmUp(target, Phase.timed(CLIENTS, Duration.ZERO, treeRounds));
        Duration round = profile.jitWarmup().dividedBy(QUIET_ROUNDS_PER_WARMUP);
        CompilerQuiet.Outcome quiet = CompilerQuiet.repeat(() -> {
          TreeOperations.warmUp(target, Phase.timed(CLIENTS, Duration.ZERO, round));
          TreeOperations.warmUp(target, Phase.timed(1, Duration.ZERO, round.dividedBy(2)));
        }, profile.jitWarmup().multipliedBy(QUIET_CAP_WARMUPS));
        context.log().printf(Locale.ROOT, "  %s: %d more round(s) of tree transactions, %s%n", system.id(), quiet.rounds(),
            quiet.quiet() ? "until the JIT compiler was quiet" : "the JIT compiler still busy when the cap came");
      }
    }
  }

  /**
   * W3's path, many times: a cold read costs each system something different (a row and a decode;
   * for Stowage also an actor started and stopped), and what is compiled only after some ten
   * thousand runs would otherwise be compiled while the first W3 is measured.
   */
  private static void coldReads(BenchTarget target, Duration length) throws Exception {
    List<Manifests.Keyed> keys = Manifests.mixed(COLD_KEYS);
    Driver.run(target, Phase.counted(CLIENTS, keys.size()), (client, seq) -> {
      Manifests.Keyed k = keys.get((int) seq);
      return target.setManifest(k.id(), k.manifest());
    }).requireNoErrors("storing the warm-up's manifests");
    long deadline = System.nanoTime() + length.toNanos();
    while (System.nanoTime() < deadline) {
      target.clearMemoryCache().toCompletableFuture().join();
      Driver.run(target, Phase.counted(CLIENTS, keys.size()), (client, seq) -> target.getManifest(keys.get((int) seq).id()))
          .requireNoErrors("the warm-up's cold reads");
    }
  }
}
