package dev.stowage.actors.workspace;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Who waits for a set of entities to stop (a {@code clearMemoryCache}, a close), each answered
 * once the last entity it waits for has stopped. Both modes' supervisors keep their waiters here:
 * local mode by entry id, cluster mode by entity ref. A plain class, confined to its supervisor.
 *
 * @param <K> what names a stopped entity
 * @param <W> a waiter: whom to answer, or what to do, once its entities have stopped
 */
public final class StopWaiters<K, W> {
  private record Waiting<K, W>(Set<K> remaining, W waiter) {}

  private final List<Waiting<K, W>> waiting = new ArrayList<>();

  /**
   * {@code waiter} waits until every entity in {@code remaining} (a set this class now owns) has
   * stopped; false, and nothing kept, if there is none to wait for.
   */
  public boolean await(Set<K> remaining, W waiter) {
    if (remaining.isEmpty()) {
      return false;
    }
    waiting.add(new Waiting<>(remaining, waiter));
    return true;
  }

  /** The entity {@code stopped} has stopped: the waiters it was the last one for, oldest first. */
  public List<W> stopped(K stopped) {
    List<W> done = List.of();
    for (Iterator<Waiting<K, W>> it = waiting.iterator(); it.hasNext(); ) {
      Waiting<K, W> next = it.next();
      if (next.remaining().remove(stopped) && next.remaining().isEmpty()) {
        it.remove();
        if (done.isEmpty()) {
          done = new ArrayList<>(1);
        }
        done.add(next.waiter());
      }
    }
    return done;
  }

  /** Every waiter, which waits no more (the workspace failed: they are answered with the failure). */
  public List<W> takeAll() {
    List<W> all = new ArrayList<>(waiting.size());
    waiting.forEach(next -> all.add(next.waiter()));
    waiting.clear();
    return all;
  }
}
