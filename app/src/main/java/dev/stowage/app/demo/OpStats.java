package dev.stowage.app.demo;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency of every call the demo makes, per {@link Op}: from the call to the completion of its
 * stage, recorded in HdrHistograms (microsecond resolution, up to an hour).
 */
final class OpStats {
  private final Map<Op, Histogram> histograms = new EnumMap<>(Op.class);
  OpStats() {
    for (Op op : Op.values()) {
      histograms.put(op, new ConcurrentHistogram(TimeUnit.HOURS.toMicros(1), 3));
    }
  }

  /**
   * Makes one call and waits for its result, recording its latency whether it succeeds or fails.
   * The demo's workers are its own threads, so waiting here blocks nobody else.
   */
  <T> T time(Op op, Supplier<CompletionStage<T>> call) {
    long start = System.nanoTime();
    try {
      return call.get().toCompletableFuture().join();
    } finally {
      long micros = Math.max(1, (System.nanoTime() - start) / 1_000);
      histograms.get(op).recordValue(Math.min(micros, histograms.get(op).getHighestTrackableValue()));
    }
  }

  Histogram histogram(Op op) {
    return histograms.get(op);
  }

  long totalCalls() {
    return histograms.values().stream().mapToLong(Histogram::getTotalCount).sum();
  }
}
