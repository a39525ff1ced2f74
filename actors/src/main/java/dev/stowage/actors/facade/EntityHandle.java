package dev.stowage.actors.facade;

import dev.stowage.protocol.StorageCommand;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/** The way to one incarnation of an entity, and who is sending through it right now. */
public final class EntityHandle {
  private static final int CLOSED = 1 << 30;
  final ActorRef<StorageCommand.ManifestCommand> ref;
  /** Callers inside the handle, plus {@link #CLOSED} once the supervisor closed it. */
  private final AtomicInteger state = new AtomicInteger();
  private volatile boolean used;

  EntityHandle(ActorRef<StorageCommand.ManifestCommand> ref) {
    this.ref = ref;
  }

  /** Enters to send; false if the handle is closed (send through the supervisor). */
  boolean enter() {
    for (int s = state.get(); (s & CLOSED) == 0; s = state.get()) {
      if (state.compareAndSet(s, s + 1)) {
        if (!used) {
          used = true;
        }
        return true;
      }
    }
    return false;
  }

  /** Leaves after sending; true if this was the last caller in a closed handle. */
  boolean exit() {
    return state.decrementAndGet() == CLOSED;
  }

  /** Closes the handle; true if nobody is inside it (else the last to leave says so). */
  public boolean close() {
    return (state.getAndUpdate(s -> s | CLOSED) & ~CLOSED) == 0;
  }

  /** Whether a caller sent through this handle since the last call (for the LRU's second chance). */
  public boolean takeUsed() {
    boolean was = used;
    used = false;
    return was;
  }
}
