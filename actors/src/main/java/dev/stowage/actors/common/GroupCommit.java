package dev.stowage.actors.common;

import java.time.Duration;

/**
 * When a group commit commits, for an actor that runs writes in an open transaction: local mode's
 * gateway ({@code DbGateway}) and cluster mode's manifest writer ({@code DurableStateWriter}). A
 * write joins the open batch and queues a marker behind itself in the actor's mailbox, unless one
 * is queued already. Mailboxes are FIFO, so when the marker's turn comes every write queued behind
 * the first one has joined the batch: the batch commits when no further write is queued. It
 * commits at once when it holds {@code maxBatch} writes, or has been open {@code maxDelay}.
 * Under load, many writers share one commit; alone, a writer waits for exactly one.
 */
public final class GroupCommit {
  private final int maxBatch;
  private final long maxDelayNanos;
  /** Sends the actor its marker (to itself). */
  private final Runnable queueMarker;
  private boolean markerQueued;

  /**
   * @param maxDelay how long a batch may stay open, or null for as long as writes keep coming
   * @param queueMarker sends the actor its marker
   */
  public GroupCommit(int maxBatch, Duration maxDelay, Runnable queueMarker) {
    this.maxBatch = maxBatch;
    this.maxDelayNanos = maxDelay == null ? Long.MAX_VALUE : maxDelay.toNanos();
    this.queueMarker = queueMarker;
  }

  /**
   * A write joined the batch, which now holds {@code size} writes and was opened at {@code
   * openedNanos} ({@link System#nanoTime()}): whether it must commit now. If not, a marker is queued.
   */
  public boolean commitNow(int size, long openedNanos) {
    if (size >= maxBatch || System.nanoTime() - openedNanos >= maxDelayNanos) {
      return true;
    }
    if (!markerQueued) {
      markerQueued = true;
      queueMarker.run();
    }
    return false;
  }

  /** The marker's turn came: the batch commits now. */
  public void markerArrived() {
    markerQueued = false;
  }
}
