package dev.stowage.bench.workloads;

import java.lang.management.ManagementFactory;

/** The CPU time this JVM has consumed so far, user + system, summed over all its threads. */
final class ProcessCpu {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ProcessCpu() {}

  /** Nanoseconds of CPU time since the JVM started. */
  static long nanos() {
    return OS.getProcessCpuTime();
  }
}
