package dev.stowage.actors.entity;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What an entity answers a tree transaction's {@link EntityCommand.Hold}. Crosses nodes in cluster
 * mode (the coordinator runs where the call was made): serializable. In local mode the supervisor
 * coordinates: a supervisor's message.
 */
public sealed interface HoldReply extends CborSerializable, SupervisorMessage permits HoldReply.Held, HoldReply.Differs,
    HoldReply.Busy, HoldReply.Refused {

  EntryId id();

  /** The round of the hold this answers ({@link EntityCommand.Hold#round}). */
  int round();

  /** The transaction of the hold this answers ({@link EntityCommand.Hold#transaction}). */
  long transaction();

  /**
   * The entity held its expected value and is now held: the changed value is staged for the
   * transaction's commit ({@code sealed}, its indexed fields, the chunks it removes with the entry's
   * pending removed chunks), and {@code entity} is where to send {@link EntityCommand.Apply} or
   * {@link EntityCommand.Release}.
   *
   * @param revision what the backend knows of the stored row's revision, which the commit must
   *     replace ({@link ManifestBackend#heldRevision}): -1 if it does not know
   * @param absenceUnchecked the transaction expects the entry absent and the entity took it so
   *     without loading it ({@link ManifestBackend#commitChecksAbsence}): the commit must find no
   *     row, else refuse the transaction, nothing written
   */
  record Held(EntryId id, ActorRef<Object> entity, byte[] sealed, long baseVersion, boolean needSync,
      List<ChunkId> removedChunkIds, long revision, int round, long transaction, boolean absenceUnchecked)
      implements HoldReply {
    public Held {
      removedChunkIds = List.copyOf(removedChunkIds);
    }

    public Held(EntryId id, ActorRef<Object> entity, byte[] sealed, long baseVersion, boolean needSync,
        List<ChunkId> removedChunkIds, long revision, int round) {
      this(id, entity, sealed, baseVersion, needSync, removedChunkIds, revision, round, 0, false);
    }

    /** The staged write, as a flush of it would be sent. */
    public ManifestBackend.Flush write() {
      return new ManifestBackend.Flush(0, sealed, baseVersion, needSync, removedChunkIds);
    }
  }

  /** The entity holds another value than the one expected: it is not held. */
  record Differs(EntryId id, int round, long transaction) implements HoldReply {
    public Differs(EntryId id, int round) {
      this(id, round, 0);
    }
  }

  /** Another transaction holds the entity, and this hold does not wait ({@link EntityCommand.Hold#waits}): it is not held. */
  record Busy(EntryId id, int round, long transaction) implements HoldReply {
    public Busy(EntryId id, int round) {
      this(id, round, 0);
    }
  }

  /**
   * The entity cannot take part ({@link #cause()} says why): it is not held. The cause travels as
   * its class and message, as {@code StorageExceptionSerializer} carries one.
   */
  record Refused(EntryId id, String causeType, String message, int round, long transaction) implements HoldReply {
    public Refused(EntryId id, StorageException cause, int round, long transaction) {
      this(id, cause.getClass().getName(), cause.getMessage(), round, transaction);
    }

    public Refused(EntryId id, StorageException cause, int round) {
      this(id, cause, round, 0);
    }

    /** The refusal rebuilt: of its class if it can be, a {@link StorageFailedException} otherwise. */
    public StorageException cause() {
      try {
        return StorageException.rebuilt(causeType, message);
      } catch (ReflectiveOperationException e) {
        return new StorageFailedException(message);
      }
    }
  }
}
