package dev.stowage.bench.workloads;

import java.time.Duration;
import java.util.function.LongToIntFunction;

/**
 * How the {@link Driver} runs one measurement: how many client threads, for how long or how many
 * operations, and into how many latency lanes (e.g. writes and reads of a mixed workload).
 *
 * <p>A <em>timed</em> phase runs every client until the deadline; the sequence number an operation
 * gets is its client's own counter (0, 1, 2, … per client). A <em>counted</em> phase shares {@code
 * totalOps} tickets among the clients, whatever their number; the sequence number is the ticket, so
 * the tickets 0 … totalOps-1 are each used exactly once (e.g. to write every key once).
 *
 * @param clients client threads asked for (a system may cap it, see {@link dev.stowage.bench.targets.BenchTarget#maxClients()})
 * @param warmup time run first with the same operations, not measured (timed phases only)
 * @param duration how long the measurement runs (for counted phases: a safety limit)
 * @param totalOps tickets of a counted phase, or -1 for a timed phase
 * @param lanes latency histograms kept apart
 * @param laneOf the lane of an operation, from its sequence number
 */
public record Phase(int clients, Duration warmup, Duration duration, long totalOps, int lanes, LongToIntFunction laneOf) {

  private static final Duration COUNTED_LIMIT = Duration.ofMinutes(10);

  public Phase {
    if (clients <= 0 || lanes <= 0) {
      throw new IllegalArgumentException("a phase needs clients and lanes");
    }
  }

  public static Phase timed(int clients, Duration warmup, Duration duration) {
    return new Phase(clients, warmup, duration, -1, 1, seq -> 0);
  }

  public static Phase counted(int clients, long totalOps) {
    return new Phase(clients, Duration.ZERO, COUNTED_LIMIT, totalOps, 1, seq -> 0);
  }

  public Phase withLanes(int lanes, LongToIntFunction laneOf) {
    return new Phase(clients, warmup, duration, totalOps, lanes, laneOf);
  }

  public boolean isCounted() {
    return totalOps >= 0;
  }
}
