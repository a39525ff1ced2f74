package dev.stowage.actors.workspace;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * The open workspaces of one ActorSystem, by directory: exactly one supervisor (so one gateway
 * per database file) per workspace. Opening an open workspace again returns the same storage;
 * opening one that is closing waits until its files are released, then opens it afresh. A
 * workspace that failed is forgotten once its files are released, so it can be reopened.
 */
final class WorkspaceRegistry extends AbstractBehavior<WorkspaceRegistry.Command> {

  /** The registry's requests, and what its workspaces' supervisors tell it ({@link WorkspaceOwner}). */
  interface Command {}

  record Open(String workspaceId, LocalKey key, StorageSettings settings,
      ActorRef<StatusReply<WorkspaceStorage>> replyTo) implements Command {}

  /** Closes every open workspace (CoordinatedShutdown); refuses opens from now on. */
  record CloseAll(ActorRef<Done> replyTo) implements Command {}

  private record Opened(Path dir, WorkspaceStorage storage) implements Command {}

  private record OpenFailed(Path dir, StorageException cause) implements Command {}

  private record Closing(Path dir) implements Command {}

  private record Released(Path dir) implements Command {}

  /** A supervisor's owner: what it tells arrives here as the registry's own messages. */
  private static WorkspaceOwner owner(ActorRef<Command> registry, Path dir) {
    return new WorkspaceOwner() {
      @Override
      public void opened(WorkspaceStorage storage) {
        registry.tell(new Opened(dir, storage));
      }

      @Override
      public void openFailed(StorageException cause) {
        registry.tell(new OpenFailed(dir, cause));
      }

      @Override
      public void closing() {
        registry.tell(new Closing(dir));
      }

      @Override
      public void released() {
        registry.tell(new Released(dir));
      }
    };
  }

  private enum State {
    OPENING,
    OPEN,
    CLOSING
  }

  private static final class Workspace {
    final String id;
    final LocalKey key;
    final StorageSettings settings;
    final ActorRef<StorageCommand> supervisor;
    State state = State.OPENING;
    WorkspaceStorage storage;
    final List<Open> waiting = new ArrayList<>();
    final List<Open> reopen = new ArrayList<>();

    Workspace(String id, LocalKey key, StorageSettings settings, ActorRef<StorageCommand> supervisor) {
      this.id = id;
      this.key = key;
      this.settings = settings;
      this.supervisor = supervisor;
    }
  }

  static Behavior<Command> create() {
    return Behaviors.setup(context -> {
      context.setLoggerName(WorkspaceRegistry.class);
      return new WorkspaceRegistry(context);
    });
  }

  private final Map<Path, Workspace> workspaces = new HashMap<>();
  private long spawned;
  private boolean shuttingDown;

  private WorkspaceRegistry(ActorContext<Command> context) {
    super(context);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Open.class, this::onOpen)
        .onMessage(CloseAll.class, this::onCloseAll)
        .onMessage(Opened.class, this::onOpened)
        .onMessage(OpenFailed.class, this::onOpenFailed)
        .onMessage(Closing.class, this::onClosing)
        .onMessage(Released.class, this::onReleased)
        .build();
  }

  private Behavior<Command> onOpen(Open open) {
    if (shuttingDown) {
      open.replyTo().tell(StatusReply.error(new StorageClosedException("the actor system is shutting down")));
      return this;
    }
    Path dir;
    try {
      RequestValidation.workspaceId(open.workspaceId());
      dir = open.settings().workspaceDir(open.workspaceId()).toAbsolutePath().normalize();
    } catch (StorageException e) {
      open.replyTo().tell(StatusReply.error(e));
      return this;
    }
    Workspace workspace = workspaces.get(dir);
    if (workspace == null) {
      start(dir, open);
    } else if (workspace.state == State.CLOSING) {
      workspace.reopen.add(open);
    } else if (!workspace.key.equals(open.key())) {
      open.replyTo().tell(StatusReply.error(new InvalidRequestException(
          "workspace '" + open.workspaceId() + "' is already open in " + dir + " with another key")));
    } else if (workspace.state == State.OPEN) {
      open.replyTo().tell(StatusReply.success(workspace.storage));
    } else {
      workspace.waiting.add(open);
    }
    return this;
  }

  private void start(Path dir, Open open) {
    StorageSettings settings = open.settings().withBaseDir(dir.getParent());
    WorkspaceHealth health = new WorkspaceHealth();
    ActorRef<StorageCommand> supervisor = getContext().spawn(
        WorkspaceSupervisor.create(open.workspaceId(), settings, health, owner(getContext().getSelf(), dir),
            LocalWorkspace.factory(open.workspaceId(), open.key(), settings, health)),
        "workspace-" + (++spawned), DispatcherSelector.fromConfig(open.settings().dispatcher()));
    Workspace workspace = new Workspace(open.workspaceId(), open.key(), open.settings(), supervisor);
    workspace.waiting.add(open);
    workspaces.put(dir, workspace);
  }

  private Behavior<Command> onOpened(Opened opened) {
    Workspace workspace = workspaces.get(opened.dir());
    workspace.state = State.OPEN;
    workspace.storage = opened.storage();
    workspace.waiting.forEach(open -> open.replyTo().tell(StatusReply.success(workspace.storage)));
    workspace.waiting.clear();
    return this;
  }

  private Behavior<Command> onOpenFailed(OpenFailed failed) {
    Workspace workspace = workspaces.remove(failed.dir());
    workspace.waiting.forEach(open -> open.replyTo().tell(StatusReply.error(failed.cause())));
    workspace.reopen.forEach(this::onOpen);
    return this;
  }

  private Behavior<Command> onClosing(Closing closing) {
    Workspace workspace = workspaces.get(closing.dir());
    if (workspace != null) {
      workspace.state = State.CLOSING;
    }
    return this;
  }

  private Behavior<Command> onReleased(Released released) {
    Workspace workspace = workspaces.remove(released.dir());
    if (workspace != null) {
      workspace.reopen.forEach(this::onOpen);
    }
    return this;
  }

  private Behavior<Command> onCloseAll(CloseAll request) {
    shuttingDown = true;
    List<CompletableFuture<Done>> closes = new ArrayList<>();
    for (Workspace workspace : workspaces.values()) {
      Duration timeout = workspace.settings.askTimeout();
      closes.add(AskPattern.<StorageCommand, Done>askWithStatus(workspace.supervisor, StorageCommand.Close::new,
              timeout, getContext().getSystem().scheduler())
          .exceptionally(error -> Done.getInstance()) // closed or failed: either way its files are released
          .toCompletableFuture());
    }
    CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
        .whenComplete((done, error) -> request.replyTo().tell(Done.getInstance()));
    return this;
  }
}
