package dev.stowage.actors.transaction;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The numbers of one holder's transactions ({@link dev.stowage.actors.entity.EntityCommand.Hold#transaction}),
 * unique among them: local mode's supervisor holds for every transaction of its workspace, and both it
 * and the façade, which sends a transaction's first holds itself, start them. Thread-safe.
 */
public final class TransactionNumbers {
  private final AtomicLong last = new AtomicLong();

  /** A number no other transaction of this holder has. */
  public long next() {
    return last.incrementAndGet();
  }
}
