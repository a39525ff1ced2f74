package dev.stowage.app.demo;

import dev.stowage.app.Sizes;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.StorageStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;

/** The table the demo ends with. */
record DemoSummary(
    OpStats ops, Duration elapsed, StorageStats afterRun, StorageStats onDisk, DemoWorkload workload,
    DemoWorkload.FinalCheck check, List<Integer> hostedPerNode, String feed) {

  void print(PrintWriter out) {
    double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-9);
    out.println();
    out.printf("%-26s %9s %10s %9s %9s %9s%n", "operation", "count", "ops/s", "p50 ms", "p99 ms", "max ms");
    for (Op op : Op.values()) {
      Histogram h = ops.histogram(op);
      if (h.getTotalCount() == 0) {
        continue;
      }
      out.printf("%-26s %9d %10.0f %9.3f %9.3f %9.3f%n", op.label, h.getTotalCount(), h.getTotalCount() / seconds,
          millis(h.getValueAtPercentile(50)), millis(h.getValueAtPercentile(99)), millis(h.getMaxValue()));
    }
    out.printf("%-26s %9d %10.0f   in %.1f s%n", "all", ops.totalCalls(), ops.totalCalls() / seconds, seconds);
    out.println();
    if (hostedPerNode.isEmpty()) {
      database(out, "data database", afterRun.data());
    } else {
      out.printf("cluster:        %d nodes; manifests and chunks in PostgreSQL, blocks in node 0's SQLite cache%n",
          hostedPerNode.size());
      out.printf("shards:         manifest entities hosted per node after the run: %s%n", hostedPerNode);
    }
    database(out, "cache database", afterRun.cache());
    out.printf("block cache:    %d of at most %d blocks, hit ratio %.2f (%d hits, %d misses), %d evictions%n",
        afterRun.blocks(), afterRun.blockLimit(), afterRun.blockHitRatio(), afterRun.blockHits(),
        afterRun.blockMisses(), afterRun.blockEvictions());
    out.printf("sync:           %d chunks uploaded (%s) and promoted to the block cache%n", workload.promotedChunks(),
        Sizes.human(workload.uploadedBytes()));
    out.printf("change feed:    %s%n", feed);
    out.printf("reads retried:  %d (the chunk was replaced and deleted between reading the manifest and the chunk)%n",
        workload.staleReads());
    if (hostedPerNode.isEmpty()) {
      out.printf("on disk:        data %s, cache %s%n",
          Sizes.human(onDisk.data().fileBytes()), Sizes.human(onDisk.cache().fileBytes()));
    } else {
      out.printf("on disk:        node 0's block cache %s%n", Sizes.human(onDisk.cache().fileBytes()));
    }
    if (check.passed()) {
      out.printf("final check:    PASSED: after %s, all %d files and their %d chunks read back exactly"
          + " as last written%s%n", hostedPerNode.isEmpty() ? "close and reopen" : "a flush of every node, read through the last",
          check.files(), check.chunks(), check.evicted() == 0 ? "" : hostedPerNode.isEmpty()
              ? " (" + check.evicted() + " uploaded chunks were evicted from the block cache since: the server has them)"
              : " (" + check.evicted() + " uploaded chunks are not in the reading node's block cache, evicted or"
                  + " promoted on another node: the server has them)");
    } else {
      out.printf("final check:    FAILED: %d problem(s)%n", check.problems().size());
      check.problems().stream().limit(20).forEach(problem -> out.println("  " + problem));
    }
  }

  private static void database(PrintWriter out, String name, DatabaseStats db) {
    out.printf("%-15s %d commits of %d writes, mean batch %.1f, max batch %d, %.2f s in SQLite%n", name + ":",
        db.commits(), db.writes(), db.meanBatchSize(), db.maxBatchSize(), db.nanosInSqlite() / 1e9);
  }

  private static double millis(long micros) {
    return micros / 1000.0;
  }
}
