package dev.stowage.actors.workspace;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.WorkspaceStorageProvider;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * {@code stowage.mode = local}, the default: found by {@link dev.stowage.actors.Stowage#open} through {@link
 * java.util.ServiceLoader} ({@code META-INF/services} of this module). Opens a workspace through the
 * ActorSystem's {@link WorkspaceRegistry}, which runs it under a {@link WorkspaceSupervisor} over a
 * {@link LocalWorkspace}.
 */
public final class LocalStorageProvider implements WorkspaceStorageProvider {

  @Override
  public String mode() {
    return "local";
  }

  @Override
  public CompletionStage<WorkspaceStorage> open(ActorSystem<?> system, String workspaceId, LocalKey key,
      StorageSettings settings) {
    return AskPattern.askWithStatus(Registry.ID.apply(system).registry,
        replyTo -> new WorkspaceRegistry.Open(workspaceId, key, settings, replyTo),
        settings.askTimeout(), system.scheduler());
  }

  /** Holds the registry of an ActorSystem and hooks it into CoordinatedShutdown. */
  static final class Registry implements Extension {
    static final ExtensionId<Registry> ID = new ExtensionId<>() {
      @Override
      public Registry createExtension(ActorSystem<?> system) {
        return new Registry(system);
      }
    };

    /** How long CoordinatedShutdown's task waits for every workspace to close. */
    private static final Duration CLOSE_ALL_TIMEOUT = Duration.ofMinutes(1);

    final ActorRef<WorkspaceRegistry.Command> registry;

    private Registry(ActorSystem<?> system) {
      registry = system.systemActorOf(WorkspaceRegistry.create(), "stowage", Props.empty());
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "stowage-close-workspaces",
          () -> AskPattern.ask(registry, WorkspaceRegistry.CloseAll::new, CLOSE_ALL_TIMEOUT, system.scheduler()));
    }
  }
}
