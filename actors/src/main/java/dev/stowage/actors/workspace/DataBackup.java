package dev.stowage.actors.workspace;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.WorkspaceBackup;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * One backup of a local workspace's data database ({@link dev.stowage.actors.WorkspaceStorage#backup}): a short-lived
 * actor on the pinned gateway dispatcher that opens a reader connection of its own on its thread,
 * copies the last commit with SQLite's online backup API ({@link WorkspaceBackup#backup}), closes
 * the connection, tells its owner ({@link Done}) and stops.
 *
 * <p>Why a connection of its own rather than the workspace's {@link dev.stowage.actors.gateway.DbReader}s: the copy is one
 * long call into SQLite (seconds for a large file), and the reads the façade sends to a reader
 * would wait behind it; the writer would wait behind it too if it ran there. Its own WAL reader
 * holds one snapshot for the whole copy and stops nobody: the writer goes on committing, the
 * readers go on reading. Like every connection it is owned by one actor and used on its pinned
 * thread only (INV-12).
 *
 * <p>A failure is a {@link BackupFailedException} for the caller and stops here: it is not a
 * failure of the workspace, whose connections were never involved.
 */
public final class DataBackup extends AbstractBehavior<DataBackup.Run> {


  /** Its one message, sent to itself once it has started on its thread. */
  enum Run { NOW }

  /**
   * What it tells its owner when it is done, for the owner to answer the caller with: the owner
   * learns that the backup ended before the caller does, so the caller's next backup is not refused
   * as one still running.
   */
  public record Done(StatusReply<BackupResult> outcome) implements SupervisorMessage {}

  static Behavior<Run> create(Path workspaceDir, Path to, ActorRef<SupervisorMessage> owner) {
    return Behaviors.setup(context -> {
      context.setLoggerName(DataBackup.class);
      context.getSelf().tell(Run.NOW);
      return new DataBackup(context, workspaceDir, to, owner);
    });
  }

  private final Path workspaceDir;
  private final Path to;
  private final ActorRef<SupervisorMessage> owner;

  private DataBackup(ActorContext<Run> context, Path workspaceDir, Path to, ActorRef<SupervisorMessage> owner) {
    super(context);
    this.workspaceDir = workspaceDir;
    this.to = to;
    this.owner = owner;
  }

  @Override
  public Receive<Run> createReceive() {
    return newReceiveBuilder().onMessageEquals(Run.NOW, this::onRun).build();
  }

  private Behavior<Run> onRun() {
    try {
      BackupResult result = WorkspaceBackup.backup(workspaceDir, to, false, LocalDatabase.BackupProgress.NONE);
      getContext().getLog().info("backed up {} to {}: {} bytes, {} manifests, {} chunks in {} ms", workspaceDir,
          result.file(), result.bytes(), result.manifests(), result.chunks(), result.took().toMillis());
      owner.tell(new Done(StatusReply.success(result)));
    } catch (StorageException e) {
      getContext().getLog().warn("backup of {} to {} failed: {}", workspaceDir, to, e.getMessage());
      owner.tell(new Done(StatusReply.error(e)));
    } catch (RuntimeException e) {
      owner.tell(new Done(StatusReply.error(new BackupFailedException("backup of " + workspaceDir + " to " + to
          + " failed: " + e, e))));
    }
    return Behaviors.stopped();
  }
}
