package dev.stowage.bench.workloads;

import java.util.concurrent.CompletionStage;

/** Reads in the workloads must find what they look for: a miss is counted as an error. */
final class Present {
  private Present() {}

  static CompletionStage<?> require(CompletionStage<?> read, Object what) {
    return read.thenApply(value -> {
      if (value == null) {
        throw new IllegalStateException(what + " is missing");
      }
      return value;
    });
  }
}
