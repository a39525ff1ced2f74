package dev.stowage.protocol;

/** Argument checks that fail with {@link InvalidRequestException}, naming what was wrong. */
public final class Require {
  private Require() {}

  public static <T> T nonNull(T value, String what) {
    if (value == null) {
      throw new InvalidRequestException(what + " must not be null");
    }
    return value;
  }

  public static long nonNegative(long value, String what) {
    if (value < 0) {
      throw new InvalidRequestException(what + " must not be negative, got " + value);
    }
    return value;
  }

  public static int positive(int value, String what) {
    if (value <= 0) {
      throw new InvalidRequestException(what + " must be positive, got " + value);
    }
    return value;
  }
}
