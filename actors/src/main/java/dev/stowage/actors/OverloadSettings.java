package dev.stowage.actors;

import dev.stowage.protocol.InvalidRequestException;
import java.time.Duration;

/**
 * The {@code stowage.overload} section: how much work the façade of one workspace admits at once
 * ({@link dev.stowage.actors.facade.CallAdmission}), and what a call meets past that. Part of {@link StorageSettings}, parsed
 * and validated with it; an invalid value names its key.
 *
 * @param maxCallsInFlight most admitted calls not yet answered ({@code max-calls-in-flight})
 * @param maxBytesInFlight most chunk and block bytes in those calls ({@code max-bytes-in-flight})
 * @param whenFull what a call meets when either limit is reached ({@code when-full})
 * @param maxWait longest a call waits for admission with {@code when-full = wait} ({@code max-wait})
 * @param maxCallsWaiting most calls waiting at once with {@code when-full = wait} ({@code max-calls-waiting})
 * @param maxBytesWaiting most chunk and block bytes in those calls ({@code max-bytes-waiting})
 */
public record OverloadSettings(
    int maxCallsInFlight,
    long maxBytesInFlight,
    WhenFull whenFull,
    Duration maxWait,
    int maxCallsWaiting,
    long maxBytesWaiting) {

  /** What a call meets when the workspace has as much in flight as it admits. */
  public enum WhenFull {
    /** Its stage fails at once with {@link dev.stowage.protocol.StorageOverloadedException}. */
    FAIL,
    /** It waits, first come first served, for at most {@code max-wait}; then it fails the same way. */
    WAIT
  }

  /** The most calls the packed admission counter holds ({@link dev.stowage.actors.facade.CallAdmission}). */
  static final int CALLS_LIMIT = 1_000_000;
  /** The most bytes the packed admission counter holds: 1 TiB. */
  static final long BYTES_LIMIT = 1L << 40;

  private static final String KEY = "stowage.overload.";

  public OverloadSettings {
    require(maxCallsInFlight > 0 && maxCallsInFlight <= CALLS_LIMIT, KEY + "max-calls-in-flight",
        "must be between 1 and " + CALLS_LIMIT + ", got " + maxCallsInFlight);
    require(maxBytesInFlight > 0 && maxBytesInFlight <= BYTES_LIMIT, KEY + "max-bytes-in-flight",
        "must be between 1 byte and 1 TiB, got " + maxBytesInFlight + " bytes");
    require(whenFull != null, KEY + "when-full", "must be fail or wait");
    require(maxWait != null && !maxWait.isNegative() && !maxWait.isZero(), KEY + "max-wait",
        "must be positive, got " + maxWait);
    require(maxCallsWaiting > 0 && maxCallsWaiting <= CALLS_LIMIT, KEY + "max-calls-waiting",
        "must be between 1 and " + CALLS_LIMIT + ", got " + maxCallsWaiting);
    require(maxBytesWaiting > 0 && maxBytesWaiting <= BYTES_LIMIT, KEY + "max-bytes-waiting",
        "must be between 1 byte and 1 TiB, got " + maxBytesWaiting + " bytes");
  }

  /** These settings with another {@code when-full}. */
  public OverloadSettings withWhenFull(WhenFull whenFull) {
    return new OverloadSettings(maxCallsInFlight, maxBytesInFlight, whenFull, maxWait, maxCallsWaiting, maxBytesWaiting);
  }

  private static void require(boolean valid, String key, String message) {
    if (!valid) {
      throw new InvalidRequestException(key + " " + message);
    }
  }
}
