package dev.stowage.bench.workloads;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CompilerQuietTest {

  /** A round of about 20 ms, during which the "compiler" spends {@code perRound} ms while rounds remain busy. */
  private static CompilerQuiet.Round round(AtomicLong compiling, AtomicInteger busyRounds, long perRound) {
    return () -> {
      Thread.sleep(20);
      if (busyRounds.getAndDecrement() > 0) {
        compiling.addAndGet(perRound);
      }
    };
  }

  @Test
  @DisplayName("the warm-up goes on while the JIT compiles, and stops at the first quiet round")
  void repeatsUntilAQuietRound() throws Exception {
    AtomicLong compiling = new AtomicLong();
    CompilerQuiet.Outcome outcome =
        CompilerQuiet.repeat(round(compiling, new AtomicInteger(3), 500), Duration.ofMinutes(1), compiling::get);
    assertEquals(new CompilerQuiet.Outcome(4, true), outcome, "three busy rounds, then the quiet one");
  }

  @Test
  @DisplayName("a compiler that never goes quiet ends the warm-up at its cap")
  void stopsAtTheCap() throws Exception {
    AtomicLong compiling = new AtomicLong();
    CompilerQuiet.Outcome outcome = CompilerQuiet.repeat(round(compiling, new AtomicInteger(Integer.MAX_VALUE), 500),
        Duration.ZERO, compiling::get);
    assertEquals(new CompilerQuiet.Outcome(1, false), outcome, "the cap has passed after the first round, not quiet");
  }

  @Test
  @DisplayName("a little compiling (under 5 % of the round) counts as quiet")
  void littleCompilingIsQuiet() throws Exception {
    AtomicLong compiling = new AtomicLong();
    CompilerQuiet.Outcome outcome = CompilerQuiet.repeat(round(compiling, new AtomicInteger(Integer.MAX_VALUE), 0),
        Duration.ofMinutes(1), compiling::get);
    assertEquals(new CompilerQuiet.Outcome(1, true), outcome);
  }
}
