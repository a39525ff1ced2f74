package dev.stowage.actors.workspace;

import dev.stowage.actors.feed.ChangeFeed;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where one workspace's entities run and its data is stored: what a {@link WorkspaceSupervisor}
 * runs on. The supervisor holds the lifecycle (when to open, serve, close or fail) and checks every
 * request before it is served; a backend holds the rest, on the supervisor's thread: it serves each
 * kind of operation of the protocol in a method of its own ({@link StorageCommand.Operations}, which
 * every backend must implement whole), while the workspace is open and after the checks ({@link
 * dev.stowage.actors.RequestValidation#checks}). Local mode:
 * {@code LocalWorkspace} (child entities, SQLite gateways). Cluster mode: {@code ClusterWorkspace}
 * (sharded entities, PostgreSQL, a node-local SQLite block cache).
 *
 * <p>A backend reports to its supervisor through the {@link Events} it was made with, never by a
 * return value: every report is a message, so it arrives in the supervisor's order of things.
 */
public interface WorkspaceBackend extends StorageCommand.Operations {


  /** How a backend reports to its supervisor. */
  interface Events {
    /** Every store is open: the workspace may serve. */
    void opened();

    /** A store failed (INV-6): the workspace fails closed. */
    void failed(StorageException cause);

    /**
     * Every file is released after {@link #release()}; {@code error} is what the release itself
     * failed with, or null.
     */
    void released(Throwable error);
  }


  /** Makes the backend of one workspace, in its supervisor's setup. */
  @FunctionalInterface
  interface Factory {
    WorkspaceBackend create(ActorContext<Object> context, Events events);
  }

  /**
   * The change feed of this workspace on this node: the supervisor ends it when the workspace closes
   * or fails, and emits the backlog through it.
   */
  ChangeFeed feed();

  /** Starts opening the stores; the backend reports {@link Events#opened} or {@link Events#failed}. */
  void open();

  /**
   * The façade callers use once the workspace is open; {@code supervisor} is the supervisor's own
   * ref, which takes the public protocol and the {@link SupervisorMessage}s.
   */
  WorkspaceStorage storage(ActorRef<Object> supervisor);

  /**
   * One of the backend's own messages: from its gateways, its entities, its futures. {@code
   * refusal} is null while the workspace is open; otherwise what to answer any request the message
   * carries with (the workspace is closing, has failed or is closed).
   */
  void onMessage(SupervisorMessage message, StorageException refusal);

  /**
   * {@code clearMemoryCache}: every live entity stops, flushing first or dropping what is dirty
   * (INV-11); {@code done} is told an ack once each has stopped, or the failure if the workspace
   * fails first. Later commands start successors.
   */
  void clearMemoryCache(boolean flush, Consumer<StatusReply<Done>> done);

  /**
   * Closing (INV-10): every entity flushes and stops, and none starts again; commands that wait for
   * one are answered with {@code refusal}. {@code done} is told an ack once every entity has
   * stopped, or the failure if the workspace fails first.
   */
  void stopEntities(StorageException refusal, Consumer<StatusReply<Done>> done);

  /**
   * The workspace failed (INV-6): every entity stops as a failure of this backend demands, and
   * every command waiting for one, and every {@code done} of the two calls above still waiting, is
   * answered with {@code cause}. Does not wait.
   */
  void failEntities(StorageException cause);

  /**
   * Releases every file (writers commit what they hold first); then reports {@link
   * Events#released}, once. Called again meanwhile (a failure while closing), it does nothing more.
   */
  void release();

  /**
   * Makes a backup of the open workspace; answers {@code request} when it is in place, or with why
   * not. A backend that keeps its data elsewhere than in local files refuses (this default).
   */
  default void backup(FacadeMessage.Backup request) {
    request.replyTo().tell(StatusReply.error(new InvalidRequestException(
        "backup is local mode only: this workspace runs " + this + ", and its manifests and chunks are not in"
            + " local files (back up the database that holds them instead)")));
  }

  /** The supervisor has stopped, however it stopped: let go of what outlives it. */
  default void stopped() {}
}
