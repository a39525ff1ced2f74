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
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * The coordinator of one tree transaction ({@link UpdateManifests}): the same protocol in both
 * modes, only its {@link TransactionBackend} differs.
 *
 * <ol>
 *   <li><b>Hold</b>: each entity compares its value with the expected one, and if it matches,
 *       stages the changed value (sealed), withdraws its published value and holds every other
 *       command until this transaction ends ({@link EntityCommand.Hold}). First all at once, in one
 *       round trip, each hold refused at once ({@link HoldReply.Busy}) by an entity another
 *       transaction holds (or that is stopping); if any is, or if the answers take longer than
 *       {@link #FIRST_ROUND_WITHIN}, the entities held are released and the transaction takes them
 *       again one after the other in the order of their ids, each hold waiting for the transaction
 *       before it (a late answer of the first round is let go as it comes). A transaction that waits for an entity thus holds only entities of lower ids, and
 *       one that holds entities without that order never waits: no two transactions can each wait
 *       for an entity the other holds (no deadlock).
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
 * commit itself is waited for however long it takes. If this actor stops while it holds entities
 * (its node stopped, say), each entity learns it by death watch and asks its backend what is
 * stored before it lets go ({@link dev.stowage.actors.entity.ManifestBackend#settle}).
 */
public final class ManifestTransaction {

  /**
   * How long the first round (all entries at once) may wait for its answers before the transaction
   * takes them one after the other instead: an answer that is late waits for something (a stopping
   * entity's successor in cluster mode, say) that may itself wait for this transaction.
   */
  static final Duration FIRST_ROUND_WITHIN = Duration.ofMillis(100);

  private static final int ALL_AT_ONCE = 0;
  private static final int IN_ORDER = 1;

  /**
   * The one timer of a transaction: the first round's {@link #FIRST_ROUND_WITHIN}, then the rest of
   * {@code holdWithin}. One timer, not one for each limit: a transaction that meets no other costs
   * one start and one cancel on the scheduler (two of each showed in W7's profile).
   */
  private enum Check { INSTANCE }

  /** The coordinator of {@code request}. */
  public static Behavior<Object> create(UpdateManifests request, TransactionBackend backend, Duration holdWithin) {
    // No setLoggerName: it walks the stack (Pekko's logger-class detection) on every call, and a
    // coordinator lives for one transaction and logs nothing.
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new ManifestTransaction(context, timers, request, backend, holdWithin).start()));
  }

  private final ActorContext<Object> context;
  private final TimerScheduler<Object> timers;
  private final ActorRef<StatusReply<Done>> replyTo;
  private final TransactionBackend backend;
  private final List<ManifestChange> ordered;
  private final ActorRef<HoldReply> self;
  /** When holding must have finished ({@link System#nanoTime}): {@code holdWithin} after the start. */
  private final long holdDeadline;
  private final List<HoldReply.Held> held = new ArrayList<>();
  private final Set<EntryId> differing = new TreeSet<>();
  /** {@link #ALL_AT_ONCE}, then, if an entry was busy, {@link #IN_ORDER}. */
  private int round = ALL_AT_ONCE;
  /** Holds sent in this round, and answers received. */
  private int asked;
  private int answered;
  private boolean busy;
  /** Set when an entry refused: the transaction ends once the round's other answers are in. */
  private StorageException refusal;

  private ManifestTransaction(ActorContext<Object> context, TimerScheduler<Object> timers, UpdateManifests request,
      TransactionBackend backend, Duration holdWithin) {
    this.context = context;
    this.timers = timers;
    this.replyTo = request.replyTo();
    this.backend = backend;
    this.ordered = request.changes().stream().sorted(Comparator.comparing(ManifestChange::id)).toList();
    this.self = context.getSelf().narrow();
    this.holdDeadline = System.nanoTime() + holdWithin.toNanos();
  }

  private Behavior<Object> start() {
    if (ordered.size() == 1) {
      round = IN_ORDER; // one entry: nothing to wait for in another order
      holdNext();
    } else {
      ordered.forEach(change -> backend.hold(new EntityCommand.Hold(change, self, false, ALL_AT_ONCE)));
      asked = ordered.size();
    }
    checkLater();
    return Behaviors.receive(Object.class)
        .onMessage(HoldReply.class, this::onHoldReply)
        .onMessageEquals(Check.INSTANCE, this::onCheck)
        .build();
  }

  /** Starts the timer: at the end of the first round if it runs, else at the hold's deadline. */
  private void checkLater() {
    long left = Math.max(0, holdDeadline - System.nanoTime());
    long within = round == ALL_AT_ONCE ? Math.min(left, FIRST_ROUND_WITHIN.toNanos()) : left;
    timers.startSingleTimer(Check.INSTANCE, Duration.ofNanos(within));
  }

  /** The timer: holding took longer than {@code holdWithin}, or the first round's answers are late. */
  private Behavior<Object> onCheck() {
    if (System.nanoTime() - holdDeadline >= 0) {
      return onHoldingTooLong();
    }
    if (round == ALL_AT_ONCE) {
      return onFirstRoundTooLong();
    }
    checkLater();
    return Behaviors.same();
  }

  private void holdNext() {
    backend.hold(new EntityCommand.Hold(ordered.get(asked++), self, true, IN_ORDER));
  }

  private Behavior<Object> onHoldReply(HoldReply reply) {
    if (reply.round() != round) { // a late answer of the first round: let go of what it holds
      if (reply instanceof HoldReply.Held late) {
        late.entity().tell(new EntityCommand.Release(self, false));
      }
      return Behaviors.same();
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
      return Behaviors.same(); // the first round's other answers, each may hold an entry
    }
    if (refusal != null) {
      return end(refusal);
    }
    if (round == ALL_AT_ONCE && busy) {
      return takeInOrder();
    }
    if (round == IN_ORDER && asked < ordered.size()) {
      holdNext();
      return Behaviors.same();
    }
    timers.cancel(Check.INSTANCE);
    if (!differing.isEmpty()) {
      return end(new ConflictException(differing));
    }
    // The commit's answer comes straight to this actor (no message adapter to build for it): it is
    // the one StatusReply this actor receives.
    backend.commit(List.copyOf(held), context.getSelf().narrow());
    return Behaviors.receive(Object.class)
        .onMessage(StatusReply.class, this::onCommitted)
        .build();
  }

  private Behavior<Object> onHoldingTooLong() {
    return end(new StorageOverloadedException("a tree transaction of " + ordered.size() + " manifests held "
        + held.size() + " of them and waited for the rest longer than ask-timeout (other transactions or loads hold"
        + " them): nothing was changed, retry"));
  }

  private Behavior<Object> onCommitted(StatusReply<?> reply) {
    if (reply.isSuccess()) {
      held.forEach(h -> h.entity().tell(new EntityCommand.Apply(self)));
      replyTo.tell(StatusReply.ack());
    } else {
      // the commit failed, perhaps after it committed (a lost connection): each entity asks what is stored
      held.forEach(h -> h.entity().tell(new EntityCommand.Release(self, true)));
      replyTo.tell(StatusReply.error(StatusReplies.unwrap(reply.getError())));
    }
    return Behaviors.stopped();
  }

  /** An entry was busy: let go of what the first round holds, and take the entries one after the other. */
  private Behavior<Object> takeInOrder() {
    held.forEach(h -> h.entity().tell(new EntityCommand.Release(self, false)));
    held.clear();
    differing.clear();
    round = IN_ORDER;
    asked = 0;
    answered = 0;
    holdNext();
    checkLater(); // now only the hold's deadline
    return Behaviors.same();
  }

  /**
   * The first round's answers are late: take the entries in order, or end if one refused (a late
   * answer that holds an entry is let go when it comes, or by the entity itself once this stopped).
   */
  private Behavior<Object> onFirstRoundTooLong() {
    return refusal != null ? end(refusal) : takeInOrder();
  }

  /** Nothing was committed: every held entity lets go unchanged, and the caller learns {@code cause}. */
  private Behavior<Object> end(StorageException cause) {
    held.forEach(h -> h.entity().tell(new EntityCommand.Release(self, false)));
    replyTo.tell(StatusReply.error(cause));
    return Behaviors.stopped();
  }
}
