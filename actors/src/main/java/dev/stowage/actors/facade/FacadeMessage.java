package dev.stowage.actors.facade;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What the façade ({@link ActorWorkspaceStorage}) and its callers' threads send a workspace's
 * supervisor besides the public protocol: only they send these, the supervisor hands them to its
 * backend.
 */
public sealed interface FacadeMessage extends SupervisorMessage
    permits FacadeMessage.Backup, FacadeMessage.Checked, FacadeMessage.ReadBehindWrites, FacadeMessage.ViaSupervisor,
        FacadeMessage.Drained, FacadeMessage.TransactionStarted {

  /**
   * {@link dev.stowage.actors.WorkspaceStorage#backup}: copy the workspace's data to {@code to}, answering {@code
   * replyTo}. The supervisor hands it to its backend while the workspace is open, and answers it
   * with its refusal otherwise.
   */
  record Backup(Path to, ActorRef<StatusReply<BackupResult>> replyTo) implements FacadeMessage {}

  /**
   * An operation whose arguments the façade has checked ({@link dev.stowage.actors.RequestValidation})
   * and copied: the supervisor serves it without checking them again (a tree transaction's names
   * would be walked twice), or refuses it as it refuses any request once the workspace is not open.
   */
  record Checked(StorageCommand.Operation operation) implements FacadeMessage {}

  /**
   * A read sent behind a write of the same id that has not been answered yet (local mode): it goes
   * to the writer, behind that write, instead of a reader that would not see it.
   */
  record ReadBehindWrites(StorageCommand.Operation read) implements FacadeMessage {}

  /** A manifest command the façade sent through the supervisor while counting it ({@link EntityDirectory#routing}). */
  record ViaSupervisor(StorageCommand.ManifestCommand command) implements FacadeMessage {}

  /** Sent by the last caller to leave a closed handle: the supervisor may stop the entity now ({@link EntityDirectory}). */
  record Drained(EntryId id, EntityHandle handle) implements FacadeMessage {}

  /**
   * A tree transaction of several changes whose first round of holds the façade sends itself, right
   * after this, straight to the live entities (local mode): the supervisor coordinates the rest as
   * {@code transaction} of its own ({@link dev.stowage.actors.transaction.TransactionRun#firstRoundSent}).
   * The holds' answers come after this, as the holds were sent after it. Refused like {@link Checked}
   * once the workspace is not open; the answers of its holds are let go then.
   */
  record TransactionStarted(StorageCommand.UpdateManifests request, long transaction) implements FacadeMessage {}
}
