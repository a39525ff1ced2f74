package dev.stowage.actors.transaction;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageOverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * One tree transaction ({@link UpdateManifests}) as its coordinator runs it: the same protocol in
 * both modes and for both hosts (an actor of its own, {@link ManifestTransaction}, in cluster mode;
 * local mode's supervisor, which runs many), only where its holds go and its {@link Host} differ.
 *
 * <ol>
 *   <li><b>Hold</b>: each entity compares its value with the expected one, and if it matches,
 *       stages the changed value (sealed), withdraws its published value and holds every other
 *       command until this transaction ends ({@link EntityCommand.Hold}). First all at once, in one
 *       round trip, each hold refused at once ({@link HoldReply.Busy}) by an entity another
 *       transaction holds (or that is stopping); if any is, or if the answers take longer than
 *       {@link #FIRST_ROUND_WITHIN}, the entities held are released and the transaction takes them
 *       again one after the other in the order of their ids, each hold waiting for the transaction
 *       before it (a late answer of the first round is let go as it comes). A transaction that
 *       waits for an entity thus holds only entities of lower ids, and one that holds entities
 *       without that order never waits: no two transactions can each wait for an entity the other
 *       holds (no deadlock).
 *   <li><b>Decide</b>: if any entry differed, every held entity is released unchanged and the call
 *       fails with {@link ConflictException} naming them all.
 *   <li><b>Commit</b> every staged value in one transaction of the mode's store, with the removed
 *       chunks, then <b>apply</b>: each entity takes its value, clean, publishes it and lets go. The
 *       caller is answered after the commit. No reader sees the transaction half applied: every entry
 *       was withdrawn before the commit and is published again only after it.
 * </ol>
 *
 * Holding must finish within {@code holdWithin} (ask-timeout): otherwise the held entities are
 * released and the call fails with {@link StorageOverloadedException} (nothing changed). The
 * commit itself is waited for however long it takes. An answer that comes after the run ended
 * (a late one of the first round, or of a hold that waited past the limit) is its host's to let go
 * ({@link #letGoLate}). Confined to its host's thread.
 */
public final class TransactionRun {

  /**
   * How long the first round (all entries at once) may wait for its answers before the transaction
   * takes them one after the other instead: an answer that is late waits for something (a stopping
   * entity's successor in cluster mode, say) that may itself wait for this transaction.
   */
  static final Duration FIRST_ROUND_WITHIN = Duration.ofMillis(100);

  private static final int ALL_AT_ONCE = 0;
  private static final int IN_ORDER = 1;

  /** Where a run lives: its one timer and where its commit's answer goes. */
  public interface Host {
    /**
     * (Re)starts the run's one timer: {@link #onCheck} after {@code delay}. One timer, not one for
     * each limit: a transaction that meets no other costs one start and one cancel (two of each
     * showed in W7's profile).
     */
    void checkIn(Duration delay);

    void cancelCheck();

    /**
     * Commits {@code held} where the mode commits. Either the answer comes back to {@link
     * #onCommitted} (false), or the backend itself tells the entities ({@link #tellOutcome}) and
     * {@code caller} the outcome once committed, fewer hops later (true: the run ends here).
     */
    boolean commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> caller);
  }

  private final long transaction;
  private final ActorRef<HoldReply> holder;
  private final ActorRef<StatusReply<Done>> replyTo;
  /** Sends a hold to the entity of its id ({@link TransactionBackend#hold}). */
  private final Consumer<EntityCommand.Hold> holds;
  private final Host host;
  private final List<ManifestChange> ordered;
  private final List<HoldReply.Held> held = new ArrayList<>();
  private final Set<EntryId> differing = new TreeSet<>();
  /** When holding must have finished ({@link System#nanoTime}): {@code holdWithin} after the start. */
  private final long holdDeadline;
  /** {@link #ALL_AT_ONCE}, then, if an entry was busy, {@link #IN_ORDER}. */
  private int round = ALL_AT_ONCE;
  /** Holds sent in this round, and answers received. */
  private int asked;
  private int answered;
  private boolean busy;
  /** Set when an entry refused: the transaction ends once the round's other answers are in. */
  private StorageException refusal;

  /**
   * @param transaction its number among {@code holder}'s transactions (0 for a holder that runs one)
   * @param holder where the entities answer: the host
   */
  public TransactionRun(UpdateManifests request, long transaction, ActorRef<HoldReply> holder,
      Consumer<EntityCommand.Hold> holds, Duration holdWithin, Host host) {
    this.transaction = transaction;
    this.holder = holder;
    this.replyTo = request.replyTo();
    this.holds = holds;
    this.host = host;
    this.ordered = request.changes().stream().sorted(Comparator.comparing(ManifestChange::id)).toList();
    this.holdDeadline = System.nanoTime() + holdWithin.toNanos();
  }

  /** Sends the first holds. */
  public void start() {
    if (ordered.size() == 1) {
      round = IN_ORDER; // one entry: nothing to wait for in another order
      holdNext();
    } else {
      ordered.forEach(change -> holds.accept(firstRound(change, holder, transaction)));
      asked = ordered.size();
    }
    checkLater();
  }

  /**
   * The caller sent the first round's holds itself ({@link #firstRound}, one for each change of two
   * or more), before the answers could reach the holder: this run waits for their answers as if it
   * had sent them. Local mode's façade does so, one hop sooner than through the supervisor.
   */
  public void firstRoundSent() {
    if (ordered.size() < 2) {
      throw new IllegalStateException("a transaction of one change has no first round: its one hold waits");
    }
    asked = ordered.size();
    checkLater();
  }

  /** A hold of the first round of {@code holder}'s {@code transaction}: refused at once if the entity is held. */
  public static EntityCommand.Hold firstRound(ManifestChange change, ActorRef<HoldReply> holder, long transaction) {
    return new EntityCommand.Hold(change, holder, false, ALL_AT_ONCE, transaction);
  }

  /** Starts the timer: at the end of the first round if it runs, else at the hold's deadline. */
  private void checkLater() {
    long left = Math.max(0, holdDeadline - System.nanoTime());
    long within = round == ALL_AT_ONCE ? Math.min(left, FIRST_ROUND_WITHIN.toNanos()) : left;
    host.checkIn(Duration.ofNanos(within));
  }

  private void holdNext() {
    holds.accept(new EntityCommand.Hold(ordered.get(asked++), holder, true, IN_ORDER, transaction));
  }

  /** An entity's answer to one of this run's holds. @return whether the run ended */
  public boolean onHoldReply(HoldReply reply) {
    if (reply.round() != round) { // a late answer of the first round: let go of what it holds
      letGoLate(reply, holder);
      return false;
    }
    answered++;
    if (reply instanceof HoldReply.Held h) {
      held.add(h);
    } else if (reply instanceof HoldReply.Differs d) {
      differing.add(d.id());
    } else if (reply instanceof HoldReply.Busy) {
      busy = true;
    } else if (reply instanceof HoldReply.Refused refused && refusal == null) {
      refusal = refused.cause();
    }
    if (answered < asked) {
      return false; // the first round's other answers, each may hold an entry
    }
    if (refusal != null) {
      return end(refusal);
    }
    if (round == ALL_AT_ONCE && busy) {
      takeInOrder();
      return false;
    }
    if (round == IN_ORDER && asked < ordered.size()) {
      holdNext();
      return false;
    }
    host.cancelCheck();
    if (!differing.isEmpty()) {
      return end(new ConflictException(differing));
    }
    return host.commit(List.copyOf(held), replyTo);
  }

  /**
   * Lets go of what {@code reply} holds, if anything: an answer that came to {@code holder} after
   * its transaction stopped waiting for it.
   */
  public static void letGoLate(HoldReply reply, ActorRef<HoldReply> holder) {
    if (reply instanceof HoldReply.Held late) {
      late.entity().tell(new EntityCommand.Release(holder, false, late.transaction()));
    }
  }

  /** The timer: holding took longer than {@code holdWithin}, or the first round's answers are late. @return whether the run ended */
  public boolean onCheck() {
    if (System.nanoTime() - holdDeadline >= 0) {
      return end(new StorageOverloadedException("a tree transaction of " + ordered.size() + " manifests held "
          + held.size() + " of them and waited for the rest longer than ask-timeout (other transactions or loads"
          + " hold them): nothing was changed, retry"));
    }
    if (round == ALL_AT_ONCE) {
      // The first round's answers are late: take the entries in order, or end if one refused (a
      // late answer that holds an entry is let go when it comes).
      if (refusal != null) {
        return end(refusal);
      }
      takeInOrder();
      return false;
    }
    checkLater();
    return false;
  }

  /** The commit's answer ({@link Host#commit} said to wait for it): the entities and the caller hear it. The run ends. */
  public void onCommitted(StatusReply<?> reply) {
    Throwable error = reply.isSuccess() ? null : StatusReplies.unwrap(reply.getError());
    tellOutcome(held, holder, transaction, error);
    replyTo.tell(error == null ? StatusReply.ack() : StatusReply.error(error));
  }

  /**
   * Tells each entity of {@code held} how the commit of {@code transaction} of {@code holder} ended:
   * committed ({@code error} null), it takes its value; refused before it wrote anything (an entry
   * taken as absent is stored: {@link ConflictException}), it lets go unchanged; failed otherwise,
   * perhaps after it committed (a lost connection), it asks what is stored. Only sends messages:
   * any thread may call it.
   */
  public static void tellOutcome(List<HoldReply.Held> held, ActorRef<HoldReply> holder, long transaction,
      Throwable error) {
    for (HoldReply.Held h : held) {
      h.entity().tell(error == null
          ? new EntityCommand.Apply(holder, transaction)
          : new EntityCommand.Release(holder, !(error instanceof ConflictException), transaction));
    }
  }

  /** An entry was busy: let go of what the first round holds, and take the entries one after the other. */
  private void takeInOrder() {
    held.forEach(h -> h.entity().tell(new EntityCommand.Release(holder, false, transaction)));
    held.clear();
    differing.clear();
    round = IN_ORDER;
    asked = 0;
    answered = 0;
    holdNext();
    checkLater(); // now only the hold's deadline
  }

  /** Nothing was committed: every held entity lets go unchanged, and the caller learns {@code cause}. */
  private boolean end(StorageException cause) {
    host.cancelCheck();
    held.forEach(h -> h.entity().tell(new EntityCommand.Release(holder, false, transaction)));
    replyTo.tell(StatusReply.error(cause));
    return true;
  }
}
