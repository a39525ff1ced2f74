package dev.stowage.actors.entity;

import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The tree transaction a {@link ManifestEntity} serves, if any ({@link EntityCommand.Hold}): whether
 * the entry's value is the one it expects, the write staged for its commit, and whether the holder
 * has been answered. Confined to its entity.
 */
final class EntryHold {
  private final EntryId id;
  private final ManifestSealing sealing;
  private EntityCommand.Hold hold;
  private ManifestBackend.Flush staged;
  private boolean answered;
  /**
   * Whether the hold waits for its backend's {@link ManifestBackend.Settled} to learn how it ended
   * ({@link #awaitSettled}): that answer alone ends it then, so that it can never be taken as the
   * outcome of a later hold.
   */
  private boolean settling;
  /** The hold expects the entry absent, and the entity took it without loading it ({@link HoldReply.Held#absenceUnchecked}). */
  private boolean absenceUnchecked;

  EntryHold(EntryId id, ManifestSealing sealing) {
    this.id = id;
    this.sealing = sealing;
  }

  /** Whether a transaction holds the entity (or waits for its flushes to settle to hold it). */
  boolean active() {
    return hold != null;
  }

  /** Whether {@code transaction} of {@code holder} is the transaction that holds the entity. */
  boolean isHolder(ActorRef<HoldReply> holder, long transaction) {
    return hold != null && hold.transaction() == transaction && hold.holder().equals(holder);
  }

  /**
   * Whether a word of {@code transaction} of {@code holder} (its apply, its release) decides this
   * hold: it holds the entity, and no settle is on its way, whose answer decides it instead.
   */
  boolean decidedBy(ActorRef<HoldReply> holder, long transaction) {
    return isHolder(holder, transaction) && !settling;
  }

  /** Whether the end of {@code holder} (death watch: all its transactions) decides this hold, as {@link #decidedBy}. */
  boolean decidedByEndOf(ActorRef<HoldReply> holder) {
    return hold != null && hold.holder().equals(holder) && !settling;
  }

  /**
   * The entity asked its backend what is stored ({@link ManifestBackend#settle}): from now on only
   * that answer ends the hold. The coordinator's apply may still overtake its own end on its way
   * here (across nodes, a death-watch notification travels apart from messages), and its end may
   * follow a release that already asked: if either ended this hold, the answer would come back to
   * find the next transaction holding the entity, and would be taken as its outcome.
   */
  void awaitSettled() {
    settling = true;
  }

  /**
   * Whether a {@link ManifestBackend.Settled} that comes now is this hold's ({@link #awaitSettled}):
   * only a held entity asks, and the hold's end clears it.
   */
  boolean settling() {
    return settling;
  }

  ActorRef<HoldReply> holder() {
    return hold.holder();
  }

  /** The value the transaction writes. */
  LocalManifest updated() {
    return hold.change().updated();
  }

  /**
   * Takes {@code next} if the entry's value ({@code state}, known) is the expected one: its changed
   * value is sealed and staged, and from now on the entity is held. Otherwise the holder hears why
   * not (the value differs, or does not seal), and nothing changes.
   *
   * @param absenceUnchecked {@code state} says absent only because the hold expects it so, unloaded:
   *     the commit checks it ({@link HoldReply.Held#absenceUnchecked})
   */
  boolean take(EntityCommand.Hold next, EntryState state, boolean absenceUnchecked) {
    if (!Objects.equals(next.change().expected().orElse(null), state.value())) {
      next.holder().tell(new HoldReply.Differs(id, next.round(), next.transaction()));
      return false;
    }
    byte[] sealed;
    try {
      sealed = sealing.seal(next.change().updated());
    } catch (RuntimeException e) {
      next.refuse(new StorageFailedException("manifest " + id + " cannot be stored (a bug in Stowage's checks of"
          + " what it accepts: please report it): " + e.getMessage(), e));
      return false;
    }
    hold = next;
    staged = state.staged(next.change().updated(), sealed, next.change().removedChunkIds());
    answered = false;
    this.absenceUnchecked = absenceUnchecked;
    return true;
  }

  /**
   * Answers the holder {@link HoldReply.Held} once no flush of the entry is in flight (its commit
   * must come after them), with the revision {@code backend} knows then.
   */
  void answerOnceSettled(EntryState state, ActorRef<Object> entity, ManifestBackend backend) {
    if (!answered && !state.flushInFlight()) {
      answered = true;
      hold.holder().tell(new HoldReply.Held(id, entity, staged.sealed(), staged.baseVersion(), staged.needSync(),
          staged.removedChunkIds(), backend.heldRevision(), hold.round(), hold.transaction(), absenceUnchecked));
    }
  }

  /** Whether the entity took this hold without loading its entry ({@link #take}). */
  boolean absenceUnchecked() {
    return absenceUnchecked;
  }

  /** Whether the holder has its staged write: only then may the transaction have committed it. */
  boolean answered() {
    return answered;
  }

  /** Whether {@code settled} (the stored row once any commit in flight ended) is the transaction's value. */
  boolean committed(ManifestBackend.Settled settled) {
    return settled.sealed().map(this::openOrNull).filter(stored -> stored.equals(updated())).isPresent();
  }

  private LocalManifest openOrNull(byte[] sealed) {
    try {
      return sealing.open(sealed);
    } catch (CorruptEntryException e) {
      return null;
    }
  }

  /** The entity fails: a holder still waiting for its answer hears {@code cause}; the hold ends. */
  void fail(StorageException cause) {
    if (hold != null && !answered) {
      hold.refuse(cause);
    }
    end();
  }

  void end() {
    hold = null;
    staged = null;
    answered = false;
    settling = false;
    absenceUnchecked = false;
  }
}
