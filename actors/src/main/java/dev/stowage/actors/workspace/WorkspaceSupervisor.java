package dev.stowage.actors.workspace;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.actors.gateway.GatewayEvent;
import dev.stowage.actors.health.OpenWorkspaces;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand.ClearMemoryCache;
import dev.stowage.protocol.StorageCommand.Close;
import dev.stowage.protocol.StorageCommand.Operation;
import dev.stowage.protocol.StorageCommand.Request;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageCommand.GetOutboundSyncBacklog;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * One open workspace's lifecycle, the same in both modes: the actor behind its {@link
 * dev.stowage.actors.WorkspaceStorage} façade. Every {@link StorageCommand} comes here (or, in local mode, straight to
 * a live entity or a reader); what serves it is the {@link WorkspaceBackend}: local mode's {@link
 * LocalWorkspace}, cluster mode's node-local workspace. This class decides only <em>whether</em> a
 * request is served, and what happens to everything in flight when that changes.
 *
 * <p>One behavior per phase:
 *
 * <ul>
 *   <li><b>opening</b>: the backend opens its stores; requests (a close included) are stashed and
 *       served once open. A store failing to open releases the rest; the owner learns {@link
 *       WorkspaceOwner#openFailed}, the stashed requests the failure, and the actor stops.
 *   <li><b>open</b>: each operation is checked ({@link RequestValidation#checks}: a bad one is
 *       refused, never served) and handed to the backend's method for its kind ({@link
 *       StorageCommand.Operation#servedBy}), but for one the façade checked already ({@link
 *       FacadeMessage.Checked}); a close and a clearMemoryCache are the supervisor's own.
 *   <li><b>closing</b> (INV-10): the façade's direct paths close ({@link WorkspaceHealth#markClosing});
 *       every entity flushes and stops, then every file is released; requests meanwhile are
 *       answered with {@link StorageClosedException}.
 *   <li><b>failed</b> (INV-6): the failure is recorded in the {@link WorkspaceHealth} first, so no
 *       later call succeeds, not even one served from memory; the entities stop as the backend's
 *       failure demands, everything pending and later is answered with the failure, and every file
 *       is released so the workspace can be reopened. A close answers with the failure once the
 *       files are released.
 *   <li><b>closed</b>: calls already on their way are answered for {@code ask-timeout}, then the
 *       actor stops.
 * </ul>
 *
 * A failure reported in any phase but closed moves it to failed; a release that itself fails while
 * closing does too.
 *
 * <p>From open until closed (or stopped) the workspace is in its ActorSystem's {@link
 * OpenWorkspaces}, with its health: a failed one fails the readiness check until a close is
 * answered, or until a later open of the same workspace takes its place there.
 */
public final class WorkspaceSupervisor {

  /** How many requests may wait for the workspace to open; more are refused as not open yet. */
  static final int OPENING_STASH = 10_000;

  /** This actor's own messages: private, so only it can send them (Pekko's PrivateCommand pattern). */
  private interface PrivateCommand {}

  /** What the backend reports, as this actor's own messages. */
  private enum Signal implements PrivateCommand {
    OPENED,
    ENTITIES_STOPPED,
    LINGER_OVER,
    BACKLOG_TICK
  }

  /** The backlog the change feed asked for ({@link Signal#BACKLOG_TICK}). */
  private record BacklogComputed(SyncBacklog backlog, Throwable error) implements PrivateCommand {}

  private record BackendFailed(StorageException cause) implements PrivateCommand {}

  private record BackendReleased(Throwable error) implements PrivateCommand {}

  /**
   * @param health the workspace's health, shared with its façade, gateways and entities: a failure
   *     is recorded there before anyone is answered with it
   */
  public static Behavior<StorageCommand> create(String workspaceId, StorageSettings settings, WorkspaceHealth health,
      WorkspaceOwner owner, WorkspaceBackend.Factory backend) {
    Behavior<Object> supervisor = Behaviors.setup(context -> {
      context.setLoggerName(WorkspaceSupervisor.class); // not after the first caller Pekko finds on the stack
      return Behaviors.withTimers(timers -> Behaviors.withStash(OPENING_STASH,
          stash -> new WorkspaceSupervisor(context, timers, workspaceId, settings, health, owner, backend).opening(stash)));
    });
    return supervisor.narrow(); // outside, only the public protocol can be sent
  }

  private final ActorContext<Object> context;
  private final TimerScheduler<Object> timers;
  private final String workspaceId;
  private final StorageSettings settings;
  private final WorkspaceHealth health;
  /** Where the readiness check sees this workspace while it is open; by its directory. */
  private final OpenWorkspaces openWorkspaces;
  private final String dir;
  private final WorkspaceOwner owner;
  private final WorkspaceBackend backend;
  /** What every operation passes before the backend serves it (INV-19). */
  private final StorageCommand.Operations checks;
  private boolean backlogInFlight;
  private SyncBacklog lastBacklog;

  private WorkspaceSupervisor(ActorContext<Object> context, TimerScheduler<Object> timers,
      String workspaceId, StorageSettings settings, WorkspaceHealth health, WorkspaceOwner owner,
      WorkspaceBackend.Factory backend) {
    this.context = context;
    this.timers = timers;
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.health = health;
    this.openWorkspaces = OpenWorkspaces.get(context.getSystem());
    this.dir = settings.workspaceDir(workspaceId).toAbsolutePath().normalize().toString();
    this.owner = owner;
    this.checks = RequestValidation.checks(settings);
    ActorRef<Object> self = context.getSelf();
    this.backend = backend.create(context, new WorkspaceBackend.Events() {
      @Override
      public void opened() {
        self.tell(Signal.OPENED);
      }

      @Override
      public void failed(StorageException cause) {
        self.tell(new BackendFailed(cause));
      }

      @Override
      public void released(Throwable error) {
        self.tell(new BackendReleased(error));
      }
    });
    this.backend.open();
  }

  // ---------------------------------------------------------------------------------------------
  // Opening

  private Behavior<Object> opening(StashBuffer<Object> stash) {
    return Behaviors.receive(Object.class)
        .onMessageEquals(Signal.OPENED, () -> {
          context.getLog().info("workspace '{}' open {}", workspaceId, backend);
          openWorkspaces.opened(dir, workspaceId, health);
          owner.opened(backend.storage(context.getSelf()));
          return stash.unstashAll(open());
        })
        .onMessage(BackendFailed.class, failed -> openFailed(stash, failed.cause()))
        .onMessage(GatewayEvent.Failed.class, failed -> openFailed(stash, failed.cause()))
        .onMessage(SupervisorMessage.class, message -> toBackend(message, notOpenYet()))
        .onMessage(Request.class, request -> {
          if (stash.isFull()) {
            StatusReplies.error(request, notOpenYet());
          } else {
            stash.stash(request);
          }
          return Behaviors.same();
        })
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  /** A store failed to open: the others are released, then the owner and the stashed requests learn why. */
  private Behavior<Object> openFailed(StashBuffer<Object> stash, StorageException cause) {
    health.record(cause);
    backend.failEntities(cause);
    backend.release();
    return Behaviors.receive(Object.class)
        .onMessage(BackendReleased.class, released -> {
          owner.openFailed(cause);
          stash.forEach(request -> StatusReplies.error((Request) request, cause));
          return Behaviors.stopped();
        })
        .onMessage(SupervisorMessage.class, message -> toBackend(message, cause))
        .onMessage(Request.class, request -> refuse(request, cause))
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Open

  private Behavior<Object> open() {
    timers.startTimerWithFixedDelay(Signal.BACKLOG_TICK, settings.feed().backlogInterval());
    return Behaviors.receive(Object.class)
        .onMessageEquals(Signal.BACKLOG_TICK, this::onBacklogTick)
        .onMessage(BacklogComputed.class, this::onBacklogComputed)
        .onMessage(Close.class, close -> closing(close.replyTo()))
        .onMessage(ClearMemoryCache.class, clear -> {
          backend.clearMemoryCache(clear.flush(), clear.replyTo()::tell);
          return Behaviors.same();
        })
        .onMessage(Operation.class, operation -> {
          if (!StatusReplies.refused(operation, () -> operation.servedBy(checks))) {
            operation.servedBy(backend);
          }
          return Behaviors.same();
        })
        .onMessage(BackendFailed.class, failed -> failed(failed.cause(), new ArrayList<>(), true))
        .onMessage(GatewayEvent.Failed.class, failed -> failed(failed.cause(), new ArrayList<>(), true))
        .onMessage(SupervisorMessage.class, message -> toBackend(message, null))
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  /**
   * While someone subscribes to the change feed and something changed, the backlog is computed
   * again (the backend's own query) and emitted if it differs from the last one emitted.
   */
  private Behavior<Object> onBacklogTick() {
    if (backend.feed().takeNewSubscriber()) {
      lastBacklog = null; // a new subscriber learns the backlog as it is
    }
    if (!backlogInFlight && backend.feed().backlogWanted()) {
      backlogInFlight = true;
      ActorRef<StorageCommand> self = context.getSelf().narrow();
      // a plain future: pipeToSelf on the ask's own stage starts a thread per tick here (PlainFutures)
      context.pipeToSelf(PlainFutures.of(AskPattern.<StorageCommand, SyncBacklog>askWithStatus(self,
              GetOutboundSyncBacklog::new, settings.askTimeout(), context.getSystem().scheduler())),
          (backlog, error) -> new BacklogComputed(backlog, error));
    }
    return Behaviors.same();
  }

  private Behavior<Object> onBacklogComputed(BacklogComputed computed) {
    backlogInFlight = false;
    if (computed.error() == null && !computed.backlog().equals(lastBacklog)) {
      lastBacklog = computed.backlog();
      backend.feed().deliver(new WorkspaceEvent.OutboundBacklogChanged(lastBacklog)); // each node computes its own
    } else if (computed.error() != null) {
      backend.feed().backlogChanged(); // try again at the next tick
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------------------------------------
  // Closing (INV-10): the entities flush and stop, then the files are released

  private Behavior<Object> closing(ActorRef<StatusReply<Done>> firstWaiter) {
    health.markClosing(); // the façade's direct paths close: calls come here and are answered as closed
    timers.cancel(Signal.BACKLOG_TICK);
    owner.closing();
    List<ActorRef<StatusReply<Done>>> waiters = new ArrayList<>();
    waiters.add(firstWaiter);
    ActorRef<Object> self = context.getSelf();
    backend.stopEntities(closedError(), stopped -> {
      if (stopped.isSuccess()) {
        self.tell(Signal.ENTITIES_STOPPED);
      }
    });
    return Behaviors.receive(Object.class)
        .onMessageEquals(Signal.ENTITIES_STOPPED, () -> {
          backend.release();
          return Behaviors.same();
        })
        .onMessage(BackendReleased.class, released -> {
          if (released.error() != null) {
            StorageException cause = asFailure(released.error());
            health.record(cause);
            context.getLog().error("workspace '{}' failed as it closed: {}", workspaceId, cause.getMessage());
            owner.released();
            waiters.forEach(waiter -> waiter.tell(StatusReply.error(cause)));
            return closed();
          }
          context.getLog().info("workspace '{}' closed", workspaceId);
          owner.released();
          waiters.forEach(waiter -> waiter.tell(StatusReply.ack()));
          return closed();
        })
        .onMessage(BackendFailed.class, failed -> failed(failed.cause(), waiters, true))
        .onMessage(GatewayEvent.Failed.class, failed -> failed(failed.cause(), waiters, true))
        .onMessage(Close.class, close -> {
          waiters.add(close.replyTo());
          return Behaviors.same();
        })
        .onMessage(SupervisorMessage.class, message -> toBackend(message, closedError()))
        .onMessage(Request.class, request -> refuse(request, closedError()))
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Failed (INV-6)

  /**
   * @param waiters the closes waiting already; each is answered with the failure once every file
   *     is released
   * @param releasing whether the files are still to be released (false: they are already)
   */
  private Behavior<Object> failed(
      StorageException cause, List<ActorRef<StatusReply<Done>>> waiters, boolean releasing) {
    if (releasing) {
      health.record(cause); // first: no call made from now on succeeds
      context.getLog().error("workspace '{}' failed and is closed: {}", workspaceId, cause.getMessage());
      timers.cancel(Signal.BACKLOG_TICK);
      backend.feed().end(new WorkspaceEvent.WorkspaceFailed(cause.getMessage()));
      backend.failEntities(cause);
      backend.release();
    }
    return Behaviors.receive(Object.class)
        .onMessage(BackendReleased.class, released -> {
          owner.released();
          if (waiters.isEmpty()) {
            return failed(cause, waiters, false);
          }
          waiters.forEach(waiter -> waiter.tell(StatusReply.error(health.forNextCall())));
          return closed();
        })
        .onMessage(Close.class, close -> {
          if (releasing) {
            waiters.add(close.replyTo());
            return Behaviors.same();
          }
          close.replyTo().tell(StatusReply.error(health.forNextCall()));
          return closed();
        })
        .onMessage(BackendFailed.class, failed -> Behaviors.same()) // the first failure is the one that counts
        .onMessage(GatewayEvent.Failed.class, failed -> Behaviors.same())
        .onMessage(SupervisorMessage.class, message -> toBackend(message, health.forNextCall()))
        .onMessage(Request.class, request -> refuse(request, health.forNextCall()))
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Closed: answers calls already on their way for a while, then stops

  private Behavior<Object> closed() {
    openWorkspaces.closed(dir, health);
    timers.cancel(Signal.BACKLOG_TICK);
    backend.feed().end(new WorkspaceEvent.WorkspaceClosed());
    timers.startSingleTimer(Signal.LINGER_OVER, settings.askTimeout());
    return Behaviors.receive(Object.class)
        .onMessageEquals(Signal.LINGER_OVER, Behaviors::stopped)
        .onMessage(Close.class, close -> {
          StorageException failure = health.forNextCall();
          close.replyTo().tell(failure == null ? StatusReply.ack() : StatusReply.error(failure));
          return Behaviors.same();
        })
        .onMessage(SupervisorMessage.class, message -> toBackend(message, closedOrFailed()))
        .onMessage(Request.class, request -> refuse(request, closedOrFailed()))
        .onSignal(PostStop.class, this::stopped)
        .build();
  }

  // ---------------------------------------------------------------------------------------------

  private Behavior<Object> toBackend(SupervisorMessage message, StorageException refusal) {
    if (message instanceof FacadeMessage.Checked checked) {
      if (refusal != null) {
        StatusReplies.error(checked.operation(), refusal);
      } else {
        checked.operation().servedBy(backend); // the façade checked it (RequestValidation)
      }
    } else if (message instanceof FacadeMessage.TransactionStarted started && refusal != null) {
      StatusReplies.error(started.request(), refusal); // the answers to its holds are let go as they come
    } else if (message instanceof FacadeMessage.Backup backup) {
      if (refusal != null) {
        backup.replyTo().tell(StatusReply.error(refusal));
      } else {
        backend.backup(backup);
      }
    } else {
      backend.onMessage(message, refusal);
    }
    return Behaviors.same();
  }

  private static Behavior<Object> refuse(Request request, StorageException error) {
    StatusReplies.error(request, error);
    return Behaviors.same();
  }

  private Behavior<Object> stopped(PostStop signal) {
    openWorkspaces.closed(dir, health);
    backend.stopped();
    return Behaviors.same();
  }

  private StorageException notOpenYet() {
    return new StorageClosedException("workspace '" + workspaceId + "' is not open yet");
  }

  private StorageException closedError() {
    return new StorageClosedException("workspace '" + workspaceId + "' is closed");
  }

  private StorageException closedOrFailed() {
    StorageException failure = health.forNextCall();
    return failure != null ? failure : closedError();
  }

  private StorageException asFailure(Throwable error) {
    Throwable cause = StatusReplies.unwrap(error);
    return cause instanceof StorageException e ? e
        : new StorageFailedException("closing workspace '" + workspaceId + "' failed: " + cause, cause);
  }
}
