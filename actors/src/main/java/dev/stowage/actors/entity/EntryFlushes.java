package dev.stowage.actors.entity;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * How a {@link ManifestEntity}'s versions reach its backend: the current value sealed (here, on the
 * entity's thread, not the gateway's), sent with its version and pending removed ids as one write,
 * at most once per version; and who is answered when it is persisted. Confined to its entity.
 */
final class EntryFlushes {
  private final EntryId id;
  private final EntryState state;
  private final ManifestSealing sealing;
  private final ManifestBackend backend;
  private final ActorRef<StatusReply<ManifestBackend.Reply>> replies;
  private final VersionWaiters waiters;
  private final EntityRecording recording;
  /** After each flush sent: the entity tells its host whether the entry is dirty now. */
  private final Runnable sent;
  /** A value that does not encode: the entity fails ({@link ManifestEntity}). */
  private final Consumer<StorageFailedException> unstorable;

  EntryFlushes(EntryId id, EntryState state, ManifestSealing sealing, ManifestBackend backend,
      ActorRef<StatusReply<ManifestBackend.Reply>> replies, VersionWaiters waiters, EntityRecording recording,
      Runnable sent, Consumer<StorageFailedException> unstorable) {
    this.id = id;
    this.state = state;
    this.sealing = sealing;
    this.backend = backend;
    this.replies = replies;
    this.waiters = waiters;
    this.recording = recording;
    this.sent = sent;
    this.unstorable = unstorable;
  }

  /**
   * Flushes a new version whose writer waits for it: the backend answers the writer itself on the
   * commit if it can (one hop less), the entity's waiters otherwise.
   */
  void flushAnswering(ActorRef<StatusReply<Done>> writer) {
    if (backend.answersWriters()) {
      flush(writer);
    } else {
      waiters.await(state.version(), state.persistedVersion(), writer::tell);
      flush(null);
    }
  }

  /** Sends the current value (or its deletion) if this version was not sent yet; {@code writer} may be null. */
  void flush(ActorRef<StatusReply<Done>> writer) {
    if (!state.unsent()) {
      return;
    }
    byte[] sealed = null;
    if (state.value() != null) {
      try {
        sealed = sealing.seal(state.value());
      } catch (RuntimeException e) {
        StorageFailedException cause = new StorageFailedException("manifest " + id + " was accepted but cannot be"
            + " stored (a bug in Stowage's checks of what it accepts: please report it): " + e.getMessage(), e);
        if (writer != null) {
          writer.tell(StatusReply.error(cause));
        }
        unstorable.accept(cause); // nothing of this version was sent
        return;
      }
    }
    ManifestBackend.Flush flush = state.flush(sealed, writer);
    backend.flush(id, flush, replies);
    sent.run();
    recording.flushSent(flush.version(), flush.deletes() ? 0 : flush.sealed().length, flush.removedChunkIds().size(),
        flush.deletes());
  }
}
