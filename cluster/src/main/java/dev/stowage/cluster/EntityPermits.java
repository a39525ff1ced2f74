package dev.stowage.cluster;

import dev.stowage.actors.entity.EntityCommand;
import java.util.Iterator;
import java.util.LinkedHashSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The strict bound of INV-18 in cluster mode: the permits to run of one workspace's manifest
 * entities on this node, {@code entity.max-active} of them. An entity that Cluster Sharding starts
 * here becomes a {@link dev.stowage.actors.entity.ManifestEntity} only once it holds one ({@link
 * PermittedEntity}), and gives it back once it has stopped; meanwhile it holds only the commands
 * that wait for it. Thread-safe: the entities take and give back their permits on their own threads.
 *
 * <h2>Why a bound of our own</h2>
 *
 * Cluster Sharding's active entity limit cannot be strict with a stop message that takes time:
 * past its limit a shard starts the new entity at once and sends its least recently used one the
 * stop message ({@code FLUSH_AND_STOP}), which flushes before it stops, and nothing bounds how many
 * are flushing at once (309 live entities of 300 were seen). A permit changes hands only when its
 * holder has stopped, so however many are stopping, at most {@code entity.max-active} entities run.
 * The shard's limit, {@code entity.max-active} too, still chooses whom to stop: least recently used.
 *
 * <h2>The one exception: a tree transaction's hold</h2>
 *
 * As in local mode: an entity waiting for a permit when a transaction's hold reaches it takes one
 * beyond the limit ({@link #takeBeyondLimit}). A transaction holds all its entries at once, and the
 * permit it would wait for may be one that an entry it holds keeps until the transaction ends.
 * Permits taken beyond the limit are not handed on: live entities stay below {@code max-active}
 * plus the entries of the transactions in flight, as in local mode.
 *
 * <h2>Why a wait ends</h2>
 *
 * A wait ends when a holder that has been told to stop has stopped ({@link #stopping}): it has
 * flushed, or a transaction that held it ended. Someone waits only while every permit is held; then
 * one holder at least has been told to stop, or is told now:
 *
 * <ul>
 *   <li>An entity waiting for its first command to be served is one of its shard's active entities.
 *       The region's limit is {@code max-active}, shared among its shards (each gets it divided by
 *       their number, rounded down), and past its share a shard sends the stop message to its least
 *       recently used: so (once each shard has heard how many there are) at most {@code max-active}
 *       entities have not been told to stop, the waiting one among them, and one holder at least
 *       has been told.
 *   <li>An entity that was told to stop while commands wait for it has left the shard's count: it
 *       needs its permit to serve them before it stops. If it waits and no holder is stopping,
 *       this asks the holder that has held its permit longest to stop ({@code ASK_HOST_TO_STOP}).
 *       Once it has its permit, it serves what waited, stops, and hands the permit on.
 * </ul>
 */
final class EntityPermits {

  /** Where a permit is in its life; changed under the lock of its {@link EntityPermits}. */
  private enum State { WAITING, HELD, HELD_BEYOND_LIMIT, GIVEN_BACK }

  /** One entity's permit, from its request until it is given back. Its fields are guarded by its permits' lock. */
  static final class Permit {
    private final ActorRef<Object> entity;
    /** Told, on the thread that gave a permit back, once this one waited and is granted. */
    private final Runnable onGranted;
    private State state;
    /** Its entity has been told to stop: it gives the permit back once it has served what it holds. */
    private boolean stopping;

    private Permit(ActorRef<Object> entity, Runnable onGranted) {
      this.entity = entity;
      this.onGranted = onGranted;
    }
  }

  private final int limit;
  /** Permits held within the limit. */
  private int held;
  /** Permits held beyond the limit, for transactions' holds. */
  private int heldBeyondLimit;
  /** Who waits, longest first. */
  private final LinkedHashSet<Permit> waiting = new LinkedHashSet<>();
  /** Holders within the limit not told to stop, longest held first: whom to ask to stop if need be. */
  private final LinkedHashSet<Permit> running = new LinkedHashSet<>();
  /** Holders within the limit told to stop. */
  private int stoppingHolders;
  /** Waiting permits whose entities were told to stop, with commands to serve first. */
  private int stoppingWaiters;

  EntityPermits(int maxActive) {
    this.limit = maxActive;
  }

  /**
   * A permit for {@code entity}, about to start: held at once if one is free ({@link #isHeld}),
   * otherwise waiting its turn; {@code onGranted} runs once it is granted after a wait (never if it
   * was held at once).
   */
  synchronized Permit request(ActorRef<Object> entity, Runnable onGranted) {
    Permit permit = new Permit(entity, onGranted);
    if (held < limit) {
      held++;
      permit.state = State.HELD;
      running.add(permit);
    } else {
      permit.state = State.WAITING;
      waiting.add(permit);
    }
    return permit;
  }

  synchronized boolean isHeld(Permit permit) {
    return permit.state == State.HELD || permit.state == State.HELD_BEYOND_LIMIT;
  }

  /**
   * A transaction's hold reached an entity whose {@code permit} waits: it is held from now on,
   * beyond the limit, and its {@code onGranted} will not run. False if it was not waiting (granted
   * already: its {@code onGranted} has run or is running).
   */
  synchronized boolean takeBeyondLimit(Permit permit) {
    if (permit.state != State.WAITING) {
      return false;
    }
    waiting.remove(permit);
    if (permit.stopping) {
      stoppingWaiters--;
    }
    heldBeyondLimit++;
    permit.state = State.HELD_BEYOND_LIMIT;
    return true;
  }

  /**
   * The entity of {@code permit} has been told to stop and has not stopped at once: it will give
   * its permit back (once it has one, if it waits) when it has served what it holds.
   */
  void stopping(Permit permit) {
    Permit ask;
    synchronized (this) {
      if (permit.stopping || permit.state == State.GIVEN_BACK) {
        return;
      }
      permit.stopping = true;
      if (permit.state == State.HELD) {
        running.remove(permit);
        stoppingHolders++;
      } else if (permit.state == State.WAITING) {
        stoppingWaiters++;
      }
      ask = holderToStop();
    }
    askToStop(ask);
  }

  /**
   * The entity of {@code permit} has stopped (or never ran): a permit held within the limit goes to
   * the longest waiter, if any; one still waiting stops waiting. Once per permit; again does nothing.
   */
  void giveBack(Permit permit) {
    Permit next = null;
    Permit ask;
    synchronized (this) {
      switch (permit.state) {
        case WAITING -> {
          waiting.remove(permit);
          if (permit.stopping) {
            stoppingWaiters--;
          }
        }
        case HELD -> {
          if (permit.stopping) {
            stoppingHolders--;
          } else {
            running.remove(permit);
          }
          next = handOn();
        }
        case HELD_BEYOND_LIMIT -> heldBeyondLimit--;
        case GIVEN_BACK -> { }
      }
      permit.state = State.GIVEN_BACK;
      ask = holderToStop();
    }
    if (next != null) {
      next.onGranted.run();
    }
    askToStop(ask);
  }

  /** A permit within the limit came free: the longest waiter holds it now (returned), or nobody. */
  private Permit handOn() {
    Iterator<Permit> longest = waiting.iterator();
    if (!longest.hasNext()) {
      held--;
      return null;
    }
    Permit next = longest.next();
    longest.remove();
    next.state = State.HELD;
    if (next.stopping) {
      stoppingWaiters--;
      stoppingHolders++;
    } else {
      running.add(next);
    }
    return next;
  }

  /**
   * The holder to ask to stop, marked stopping already, if an entity told to stop waits and no
   * holder is stopping (see the class comment); null otherwise.
   */
  private Permit holderToStop() {
    if (stoppingWaiters == 0 || stoppingHolders > 0 || running.isEmpty()) {
      return null;
    }
    Iterator<Permit> longest = running.iterator();
    Permit victim = longest.next();
    longest.remove();
    victim.stopping = true;
    stoppingHolders++;
    return victim;
  }

  private static void askToStop(Permit holder) {
    if (holder != null) {
      holder.entity.tell(EntityCommand.Lifecycle.ASK_HOST_TO_STOP); // it asks its shard, which sends the stop message
    }
  }

  /** Permits held, within the limit and beyond it. */
  synchronized int held() {
    return held + heldBeyondLimit;
  }

  /** Permits waiting. */
  synchronized int waiting() {
    return waiting.size();
  }
}
