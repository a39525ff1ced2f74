package dev.stowage.app.crash;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The power-cut layer for a test: skips the test, with what is missing, where the layer cannot be
 * built (no gcc or no sqlite3ext.h) — unless {@code STOWAGE_REQUIRE_POWERCUT=1}, as CI sets it,
 * where that fails the test instead.
 */
final class RequirePowerCut {
  private RequirePowerCut() {}

  static Path library() {
    try {
      return PowerCutLayer.library();
    } catch (PowerCutLayer.UnavailableException e) {
      if ("1".equals(System.getenv("STOWAGE_REQUIRE_POWERCUT"))) {
        return fail("STOWAGE_REQUIRE_POWERCUT=1, but " + e.getMessage());
      }
      Assumptions.abort("power-cut layer unavailable, test skipped: " + e.getMessage());
      throw new AssertionError("unreachable");
    }
  }
}
