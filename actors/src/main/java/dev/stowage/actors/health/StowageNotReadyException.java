package dev.stowage.actors.health;

/**
 * Why {@link StowageReadinessCheck} failed: every failed workspace (its id and its failure) and every
 * unreachable store, in the message, which Pekko Management shows in the answer of {@code /ready}.
 */
public final class StowageNotReadyException extends RuntimeException {
  public StowageNotReadyException(String message) {
    super(message);
  }
}
