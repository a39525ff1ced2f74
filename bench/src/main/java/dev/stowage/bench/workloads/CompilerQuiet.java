package dev.stowage.bench.workloads;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Repeats a warm-up round until the JIT compiler has gone quiet: until a round in which it spent
 * less than {@link #QUIET_SHARE} of the round's time compiling, or the cap. A timed warm-up alone
 * ends when its clock says, not when the code is compiled: on 2 cores C2 compiles slowly beside
 * eight busy clients, and a profile of W7-8 measured after the fixed warm-up found the compiler
 * threads at 46 % of the process's CPU samples during the timed run, compiling the transaction's
 * path (the gateway's commit, the entities' hold, the codec) for the first time (issue 27,
 * docs/benchmarks.md). A system with more code on its path (actors, a gateway) needs longer than
 * one with less (a lock and a JDBC call); this gives each what it needs, by the same rule.
 */
final class CompilerQuiet {
  /** Compilation time, as a share of a round's time, below which the round counts as quiet. */
  static final double QUIET_SHARE = 0.05;

  /** One round of warm-up operations. */
  @FunctionalInterface
  interface Round {
    void run() throws Exception;
  }

  /** How a warm-up ended: after how many rounds, and whether the last was quiet (else the cap ended it). */
  record Outcome(int rounds, boolean quiet) {}

  private CompilerQuiet() {}

  /**
   * Runs {@code round} until one is quiet, or until {@code cap} has passed. Without a compilation
   * monitor (a JVM that does not report it) it runs one round, not known to be quiet.
   */
  static Outcome repeat(Round round, Duration cap) throws Exception {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
      round.run();
      return new Outcome(1, false);
    }
    return repeat(round, cap, compiler::getTotalCompilationTime);
  }

  /** {@link #repeat(Round, Duration)}, with the compiler's total time spent so far in ms from {@code compilingMs}. */
  static Outcome repeat(Round round, Duration cap, LongSupplier compilingMs) throws Exception {
    long deadline = System.nanoTime() + cap.toNanos();
    int rounds = 0;
    while (true) {
      long compiledBefore = compilingMs.getAsLong();
      long start = System.nanoTime();
      round.run();
      rounds++;
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      boolean quiet = compilingMs.getAsLong() - compiledBefore < QUIET_SHARE * Math.max(1, elapsedMs);
      if (quiet || System.nanoTime() >= deadline) {
        return new Outcome(rounds, quiet);
      }
    }
  }
}
