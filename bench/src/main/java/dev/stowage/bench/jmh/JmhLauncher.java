package dev.stowage.bench.jmh;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH micro-benchmarks ({@link CodecBenchmark}, {@link CipherBenchmark}) for {@code
 * stowage bench --jmh}: one fork (none with {@code --quick}), short iterations; JMH prints its
 * summary table.
 */
public final class JmhLauncher {
  private JmhLauncher() {}

  public static int run(boolean quick) throws RunnerException {
    Options options = new OptionsBuilder()
        .include(CodecBenchmark.class.getName())
        .include(CipherBenchmark.class.getName())
        .include(WireBenchmark.class.getName())
        .forks(quick ? 0 : 1)
        .warmupIterations(quick ? 1 : 3)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 2 : 5)
        .measurementTime(TimeValue.seconds(1))
        .build();
    return new Runner(options).run().isEmpty() ? 1 : 0;
  }
}
