package dev.stowage.bench;

import picocli.CommandLine;

/** Runs {@link BenchCommand} directly ({@code java -cp ... dev.stowage.bench.BenchMain --quick}). */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }
}
