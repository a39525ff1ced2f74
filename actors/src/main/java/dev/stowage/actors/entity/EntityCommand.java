package dev.stowage.actors.entity;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What a {@link ManifestEntity} is told besides the manifest commands of the public protocol (which
 * clients send it): by its host, when to flush and stop; by its workspace, that it failed; by a
 * tree transaction, to hold still while it commits ({@link Hold}), or, for a transaction of one
 * change, to make it itself ({@link Update}).
 */
public sealed interface EntityCommand
    permits EntityCommand.Lifecycle, EntityCommand.Fail, EntityCommand.Hold, EntityCommand.Apply,
        EntityCommand.Release, EntityCommand.Update {

  /**
   * Answers with {@code cause} a message that was sent to an entity and will not be served: a
   * manifest command, or a transaction's {@link Hold}. Anything else has nobody to answer.
   */
  static void refuse(Object message, StorageException cause) {
    if (message instanceof StorageCommand.ManifestCommand command) {
      StatusReplies.error(command, cause);
    } else if (message instanceof Hold hold) {
      hold.refuse(cause);
    } else if (message instanceof Update update) {
      update.replyTo().tell(StatusReply.error(cause));
    }
  }

  /**
   * When to flush and stop. Both modes send {@link #FLUSH} and {@link #FLUSH_AND_STOP}; a host that
   * stops its entities itself (local mode's supervisor) sends the stops directly, while a host whose
   * entities ask to be stopped (cluster mode's shard, whose stop message is {@link #FLUSH_AND_STOP})
   * is reached through the two {@code ASK_HOST_TO_STOP} commands. Crosses nodes: serializable.
   */
  enum Lifecycle implements EntityCommand, CborSerializable {
    /** Flush if dirty (max-dirty exceeded). */
    FLUSH,
    /** Flush if dirty, then stop (passivation, max-active, clearMemoryCache(true), close). */
    FLUSH_AND_STOP,
    /** Drop what is not yet sent, then stop (clearMemoryCache(false)). */
    DISCARD_AND_STOP,
    /**
     * Ask the host to stop this entity, which it does with {@link #FLUSH_AND_STOP} (cluster mode:
     * clearMemoryCache(true), close).
     */
    ASK_HOST_TO_STOP,
    /**
     * Drop what is not yet sent, then ask the host to stop this entity (cluster mode:
     * clearMemoryCache(false)). The host forgets the entity's dirty state itself.
     */
    DISCARD_AND_ASK_HOST_TO_STOP
  }

  /** The workspace failed: answer everything pending with {@code cause} and stop, writing nothing. */
  record Fail(StorageException cause) implements EntityCommand {}

  /**
   * A tree transaction ({@code updateManifests}) asks the entity of {@code change.id()} to hold
   * still: once nothing it sent is in flight, the entity compares its value with {@code
   * change.expected()} and answers {@code holder} ({@link HoldReply}). If it matched, it is held:
   * its published value is withdrawn, and every other command waits until the holder says {@link
   * Apply} or {@link Release} (or stops: then the entity asks its backend how the transaction
   * ended, {@link ManifestBackend#settle}). Sent to the entity's id, as a manifest command is (local
   * mode: through the supervisor, which starts the entity if it must). The three commands of a
   * transaction cross nodes in cluster mode: serializable.
   *
   * <p>{@code waits}: if another transaction holds the entity, this hold waits for it to end (a
   * transaction that takes its entries one after the other, in the order of their ids); otherwise
   * the entity answers {@link HoldReply.Busy} at once (a transaction that asks all its entries at
   * once, and never waits, so that no two transactions wait for each other). {@code round}: which of
   * the holder's rounds asks (the first, all at once, or the second, one after the other), repeated
   * in the reply so that the holder can tell a late answer of the first from the second's.
   * {@code transaction}: which of the holder's transactions holds, repeated in every reply and told
   * back in {@link Apply} and {@link Release}: local mode's supervisor coordinates many at once
   * (0 for a holder that coordinates one, cluster mode's).
   */
  record Hold(ManifestChange change, ActorRef<HoldReply> holder, boolean waits, int round, long transaction)
      implements EntityCommand, SupervisorMessage, CborSerializable {
    /** The hold of a holder that coordinates one transaction. */
    public Hold(ManifestChange change, ActorRef<HoldReply> holder, boolean waits, int round) {
      this(change, holder, waits, round, 0);
    }

    public EntryId id() {
      return change.id();
    }

    /** The entity cannot take part (its workspace failed or closes, its row is corrupt): tell the holder why. */
    public void refuse(StorageException cause) {
      holder.tell(new HoldReply.Refused(id(), cause, round, transaction));
    }

    /** Another transaction holds the entity, and this hold does not wait: tell the holder. */
    public void busy() {
      holder.tell(new HoldReply.Busy(id(), round, transaction));
    }
  }

  /** The transaction of {@code holder} committed: the held entity takes the value it staged, clean, and lets go. */
  record Apply(ActorRef<HoldReply> holder, long transaction) implements EntityCommand, CborSerializable {
    public Apply(ActorRef<HoldReply> holder) {
      this(holder, 0);
    }
  }

  /**
   * The transaction of {@code holder} did not commit: the entity lets go, unchanged. {@code
   * outcomeUnknown}: its commit failed in a way that may have committed it all the same; the entity
   * asks its backend what is stored before it lets go.
   */
  record Release(ActorRef<HoldReply> holder, boolean outcomeUnknown, long transaction)
      implements EntityCommand, CborSerializable {
    public Release(ActorRef<HoldReply> holder, boolean outcomeUnknown) {
      this(holder, outcomeUnknown, 0);
    }
  }

  /**
   * A tree transaction of one change ({@code updateManifests} of one entry), made by the entity of
   * its id without a coordinator: one entry commits alone in one write, so holding it for a commit
   * made elsewhere would only add messages. The same semantics (SPEC §6b): if the entity's value
   * is not {@code change.expected()}, {@link dev.stowage.protocol.ConflictException} and nothing
   * changes; otherwise the updated value is written durably with its removed chunks, and, as
   * under a hold, no read sees it and every other command waits until it is committed; {@code
   * replyTo} hears then. A failed commit fails the entity, as a failed flush does (INV-6): no read
   * has seen the value. Local mode only (sent through the supervisor, never across nodes).
   */
  record Update(ManifestChange change, ActorRef<StatusReply<Done>> replyTo) implements EntityCommand {
    public EntryId id() {
      return change.id();
    }
  }
}
