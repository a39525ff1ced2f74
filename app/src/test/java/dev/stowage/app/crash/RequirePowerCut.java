package dev.stowage.app.crash;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;

/**
 * The power-cut layer for a test: skips the test, with what is missing, where the layer cannot be
 * built (no gcc or no sqlite3ext.h) — unless {@code STOWAGE_REQUIRE_POWERCUT=1}, as CI sets it,
 * where that fails the test instead.
 *
 * <p>The reason is also printed, once per test JVM, to the build's output: Surefire counts skipped
 * tests on the console but writes why only into its report files.
 */
final class RequirePowerCut {
  private static final AtomicBoolean PRINTED = new AtomicBoolean();

  private RequirePowerCut() {}

  static Path library() {
    try {
      return PowerCutLayer.library();
    } catch (PowerCutLayer.UnavailableException e) {
      if ("1".equals(System.getenv("STOWAGE_REQUIRE_POWERCUT"))) {
        return fail("STOWAGE_REQUIRE_POWERCUT=1, but " + e.getMessage());
      }
      if (PRINTED.compareAndSet(false, true)) {
        System.err.println("Power-cut tests skipped: " + e.getMessage()
            + ". With STOWAGE_REQUIRE_POWERCUT=1 they fail instead.");
      }
      Assumptions.abort("power-cut layer unavailable, test skipped: " + e.getMessage());
      throw new AssertionError("unreachable");
    }
  }
}
