package dev.stowage.actors.common;

import java.util.ArrayDeque;

/**
 * Sends requests to one gateway in the order they arrived, even when some must first be encrypted
 * on another thread: a request waiting for its encryption holds back the ones behind it, the
 * others go at once. Encryption stays parallel; a caller's calls reach the database in the order it
 * made them. Confined to the owning actor.
 */
public final class InOrder {
  /** A place in the queue, filled when the request it stands for is ready to send. */
  public static final class Slot {
    private Runnable send;
  }

  private final ArrayDeque<Slot> waiting = new ArrayDeque<>();

  /** Sends now, or behind the requests still waiting. */
  public void send(Runnable request) {
    if (waiting.isEmpty()) {
      request.run();
    } else {
      Slot slot = new Slot();
      slot.send = request;
      waiting.add(slot);
    }
  }

  /** Keeps a place for a request that is not ready yet. */
  public Slot reserve() {
    Slot slot = new Slot();
    waiting.add(slot);
    return slot;
  }

  /** Fills a reserved place, and sends every ready request at the head of the queue. */
  public void fill(Slot slot, Runnable request) {
    slot.send = request;
    while (!waiting.isEmpty() && waiting.peek().send != null) {
      waiting.poll().send.run();
    }
  }
}
