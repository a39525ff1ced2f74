package dev.stowage.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code stowage bench}: placeholder until the benchmark harness lands (issue 7). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run the benchmarks (not built yet).")
public final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("stowage bench: the benchmark harness is not built yet");
    return 2;
  }
}
