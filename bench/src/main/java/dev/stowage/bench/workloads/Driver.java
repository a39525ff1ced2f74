package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.targets.BenchTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The one load driver every system runs under: closed-loop client threads, each starting an
 * operation, noting when the call returned its stage (caller time), waiting for the stage, and
 * noting when it completed (latency). Each client records into its own HdrHistograms, merged at
 * the end, so recording costs no contention. Elapsed time runs from the common start until the
 * last client stopped and {@link BenchTarget#drain()} completed, so a system that acknowledges
 * before committing pays for its commits.
 *
 * <p>Beside wall time, the process CPU time (user + system, every thread of the JVM) consumed from
 * the start until the drain completed is recorded: per operation, it is steadier than ops/s on a
 * shared machine, and it shows where a design spends its time.
 *
 * <p>Closed loop: a slow operation delays its client's next one, so the latencies are those seen
 * by clients that wait for each answer (no correction for coordinated omission, on purpose: that
 * is how a host application waits for storage).
 */
public final class Driver {
  private static final int SIGNIFICANT_DIGITS = 3;

  private Driver() {}

  /** Runs {@code phase} against {@code target}: the warmup first (if any), then the measurement. */
  public static Measurement run(BenchTarget target, Phase phase, ClientOp op) throws InterruptedException {
    int clients = Math.min(phase.clients(), target.maxClients());
    long[] nextSeq = new long[clients];
    if (!phase.isCounted() && !phase.warmup().isZero()) {
      runClients(target, phase, op, clients, phase.warmup().toNanos(), nextSeq);
    }
    return runClients(target, phase, op, clients, phase.duration().toNanos(), nextSeq);
  }

  private static Measurement runClients(
      BenchTarget target, Phase phase, ClientOp op, int clients, long durationNanos, long[] nextSeq)
      throws InterruptedException {
    Histogram[][] latency = new Histogram[clients][phase.lanes()];
    Histogram[] callerTime = new Histogram[clients];
    AtomicLong tickets = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    long[] startedAt = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      for (int lane = 0; lane < phase.lanes(); lane++) {
        latency[c][lane] = new Histogram(SIGNIFICANT_DIGITS);
      }
      callerTime[c] = new Histogram(SIGNIFICANT_DIGITS);
      Thread thread = new Thread(() -> {
        awaitQuietly(start);
        long deadline = startedAt[0] + durationNanos;
        long ownSeq = nextSeq[client];
        while (System.nanoTime() < deadline) {
          long seq = phase.isCounted() ? tickets.getAndIncrement() : ownSeq++;
          if (phase.isCounted() && seq >= phase.totalOps()) {
            break;
          }
          long t0 = System.nanoTime();
          Throwable failure = null;
          long returned = -1;
          try {
            CompletionStage<?> stage = op.call(client, seq);
            returned = System.nanoTime();
            stage.toCompletableFuture().join();
          } catch (CompletionException e) {
            failure = e.getCause() != null ? e.getCause() : e;
          } catch (Exception e) {
            failure = e;
          }
          long done = System.nanoTime();
          if (returned < 0) {
            returned = done; // the call itself threw: it held the caller until then
          }
          if (failure != null) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, failure);
          }
          latency[client][phase.laneOf().applyAsInt(seq)].recordValue(done - t0);
          callerTime[client].recordValue(Math.max(0, returned - t0));
        }
        nextSeq[client] = ownSeq;
      }, "bench-client-" + c);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    long cpuAtStart = ProcessCpu.nanos();
    startedAt[0] = System.nanoTime();
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    try {
      target.drain().toCompletableFuture().join();
    } catch (CompletionException e) {
      errors.incrementAndGet();
      firstError.compareAndSet(null, e.getCause());
    }
    long elapsed = System.nanoTime() - startedAt[0];
    long cpu = ProcessCpu.nanos() - cpuAtStart;
    return new Measurement(clients, elapsed, cpu, errors.get(), firstError.get(), merge(latency, phase.lanes()),
        merge(callerTime));
  }

  private static Histogram[] merge(Histogram[][] perClient, int lanes) {
    Histogram[] merged = new Histogram[lanes];
    for (int lane = 0; lane < lanes; lane++) {
      merged[lane] = new Histogram(SIGNIFICANT_DIGITS);
      for (Histogram[] client : perClient) {
        merged[lane].add(client[lane]);
      }
    }
    return merged;
  }

  private static Histogram merge(Histogram[] perClient) {
    Histogram merged = new Histogram(SIGNIFICANT_DIGITS);
    for (Histogram client : perClient) {
      merged.add(client);
    }
    return merged;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
