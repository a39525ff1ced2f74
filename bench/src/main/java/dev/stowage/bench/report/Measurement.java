package dev.stowage.bench.report;

import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * What the {@link dev.stowage.bench.workloads.Driver} recorded in one phase: latency (call until the stage completed) per lane,
 * and caller time (call until the stage was returned) over all operations, in nanoseconds.
 *
 * @param clients client threads that actually ran
 * @param elapsedNanos wall time of the measurement, including the final drain of the system
 * @param cpuNanos process CPU time (user + system, all threads) consumed over {@code elapsedNanos}
 * @param errors operations that threw or whose stage failed
 * @param firstError the first such failure, or null
 */
public record Measurement(
    int clients, long elapsedNanos, long cpuNanos, long errors, Throwable firstError, Histogram[] latency, Histogram callerTime) {

  public long ops(int lane) {
    return latency[lane].getTotalCount();
  }

  public long totalOps() {
    return Arrays.stream(latency).mapToLong(Histogram::getTotalCount).sum();
  }

  /** Operations of {@code lane} per second of elapsed time. */
  public double opsPerSecond(int lane) {
    return elapsedNanos == 0 ? 0 : ops(lane) * 1e9 / elapsedNanos;
  }

  /** Process CPU microseconds per operation, over every lane. */
  public double cpuUsPerOp() {
    long ops = totalOps();
    return ops == 0 ? 0 : cpuNanos / 1000.0 / ops;
  }

  /** Everything recorded by this and {@code other} (e.g. several rounds of the same phase). */
  public Measurement plus(Measurement other) {
    if (other == null) {
      return this;
    }
    Histogram[] lanes = new Histogram[latency.length];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = latency[i].copy();
      lanes[i].add(other.latency[i]);
    }
    Histogram caller = callerTime.copy();
    caller.add(other.callerTime);
    return new Measurement(Math.max(clients, other.clients), elapsedNanos + other.elapsedNanos,
        cpuNanos + other.cpuNanos, errors + other.errors, firstError != null ? firstError : other.firstError, lanes, caller);
  }

  /** Throws if any operation failed: for setup phases, whose failures would make the numbers meaningless. */
  public Measurement requireNoErrors(String what) {
    if (errors > 0) {
      throw new IllegalStateException(what + ": " + errors + " operations failed", firstError);
    }
    return this;
  }
}
