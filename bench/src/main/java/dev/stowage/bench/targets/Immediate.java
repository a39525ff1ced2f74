package dev.stowage.bench.targets;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Lock;

/**
 * Runs blocking work on the caller's thread and reports it as an already completed stage: how the
 * synchronous baselines fit the {@link BenchTarget} interface.
 */
final class Immediate {
  private Immediate() {}

  /** Work that may throw (SQL, I/O). */
  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  static <T> CompletionStage<T> run(Work<T> work) {
    try {
      return CompletableFuture.completedFuture(work.run());
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs {@code work} holding {@code lock}, as {@link #run} does. */
  static <T> CompletionStage<T> underLock(Lock lock, Work<T> work) {
    return run(() -> {
      lock.lock();
      try {
        return work.run();
      } finally {
        lock.unlock();
      }
    });
  }
}
