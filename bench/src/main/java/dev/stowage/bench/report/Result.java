package dev.stowage.bench.report;

import dev.stowage.bench.targets.SystemKind;
import org.HdrHistogram.Histogram;

/**
 * One row of the results: one system on one scenario. Latencies in microseconds, from an
 * HdrHistogram of nanoseconds.
 *
 * @param scenario short key, e.g. {@code W1-64} (see {@link Scenarios})
 * @param system the system's {@link SystemKind#id()}
 * @param metric what the percentiles measure: {@code latency} (call until completion) or {@code
 *     caller-time} (call until the stage was returned)
 * @param clients client threads that ran
 * @param ops operations measured
 * @param errors operations that failed (0 in a sane run)
 * @param cpuUsPerOp process CPU time (user + system, every thread) of the measurement divided by its
 *     operations, in microseconds; for a row of one lane of a mixed measurement, divided by the
 *     operations of every lane
 * @param note anything else worth knowing about the row, or empty
 */
public record Result(
    String scenario,
    String system,
    String metric,
    int clients,
    long ops,
    long errors,
    double opsPerSec,
    double cpuUsPerOp,
    double p50Us,
    double p99Us,
    double p999Us,
    double maxUs,
    String note) {

  public static final String LATENCY = "latency";
  public static final String CALLER_TIME = "caller-time";

  /** A row from lane {@code lane} of {@code m}'s latency. */
  public static Result latency(String scenario, SystemKind system, Measurement m, int lane, String note) {
    return of(scenario, system, LATENCY, m, m.latency()[lane], m.opsPerSecond(lane), note);
  }

  /** A row from {@code m}'s caller time, over all its operations. */
  public static Result callerTime(String scenario, SystemKind system, Measurement m, String note) {
    double opsPerSec = m.elapsedNanos() == 0 ? 0 : m.totalOps() * 1e9 / m.elapsedNanos();
    return of(scenario, system, CALLER_TIME, m, m.callerTime(), opsPerSec, note);
  }

  private static Result of(
      String scenario, SystemKind system, String metric, Measurement m, Histogram h, double opsPerSec, String note) {
    String fullNote = m.firstError() == null ? note
        : (note.isEmpty() ? "" : note + "; ") + "first error: " + m.firstError();
    return new Result(scenario, system.id(), metric, m.clients(), h.getTotalCount(), m.errors(), opsPerSec,
        m.cpuUsPerOp(), micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
        micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), fullNote);
  }

  private static double micros(long nanos) {
    return nanos / 1000.0;
  }
}
