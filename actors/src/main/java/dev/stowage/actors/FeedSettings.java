package dev.stowage.actors;

import dev.stowage.protocol.InvalidRequestException;
import java.time.Duration;

/**
 * The change feed's settings ({@code stowage.feed}).
 *
 * @param bufferSize events one subscriber's queue holds before the next ones are dropped for it (and
 *     it is told, {@code WorkspaceEvent.EventsMissed}): {@code stowage.feed.buffer-size}
 * @param backlogInterval how often, at most, the outbound backlog is computed again and emitted if it
 *     changed, while someone subscribes and something changed: {@code stowage.feed.backlog-interval}
 */
public record FeedSettings(int bufferSize, Duration backlogInterval) {
  public FeedSettings {
    if (bufferSize < 1) {
      throw new InvalidRequestException("stowage.feed.buffer-size must be at least 1, got " + bufferSize);
    }
    if (backlogInterval == null || backlogInterval.isNegative() || backlogInterval.isZero()) {
      throw new InvalidRequestException("stowage.feed.backlog-interval must be positive, got " + backlogInterval);
    }
  }
}
