package dev.stowage.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.LocalKey;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The entry point: opens the storage of a workspace in an ActorSystem.
 *
 * <pre>{@code
 * WorkspaceStorage storage = Stowage.open(system, "my-workspace", key).toCompletableFuture().get();
 * }</pre>
 *
 * <p>{@code stowage.mode} in the system's configuration chooses the mode: {@code local} (the
 * default: SQLite files under {@code base-dir}) or {@code cluster} (Cluster Sharding and PostgreSQL;
 * needs the module {@code stowage-cluster} on the classpath). Each mode is a {@link
 * WorkspaceStorageProvider} found with {@link ServiceLoader}, local mode's in this module's own
 * {@code META-INF/services}: this package, the API, depends on none of the rooms that implement it.
 * Both return the same {@link WorkspaceStorage} contract.
 *
 * <p>A workspace is open at most once per ActorSystem: opening it again returns the same storage
 * (or fails with {@link InvalidRequestException} if the key differs). The ActorSystem's
 * CoordinatedShutdown closes every open workspace in its {@code service-stop} phase.
 */
public final class Stowage {
  private Stowage() {}

  /** Opens {@code workspaceId} with the settings of the system's configuration ({@code stowage} section). */
  public static CompletionStage<WorkspaceStorage> open(ActorSystem<?> system, String workspaceId, LocalKey key) {
    StorageSettings settings;
    try {
      settings = StorageSettings.fromConfig(system.settings().config());
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return open(system, workspaceId, key, settings);
  }

  /** Opens {@code workspaceId} under {@code settings.baseDir()}. */
  public static CompletionStage<WorkspaceStorage> open(
      ActorSystem<?> system, String workspaceId, LocalKey key, StorageSettings settings) {
    if (system == null || key == null || settings == null) {
      return CompletableFuture.failedFuture(new InvalidRequestException(
          (system == null ? "actor system" : key == null ? "key" : "settings") + " must not be null"));
    }
    String mode;
    try {
      mode = mode(system);
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return provider(mode)
        .map(provider -> provider.open(system, workspaceId, key, settings))
        .orElseGet(() -> CompletableFuture.failedFuture(new InvalidRequestException(
            "stowage.mode = " + mode + " but no module provides that mode on the classpath"
                + (CLUSTER_MODE.equals(mode) ? " (add the dependency dev.stowage:stowage-cluster)" : "")
                + (LOCAL_MODE.equals(mode) ? " (stowage-actors's META-INF/services entry is missing: a jar that merges"
                    + " dependencies must merge their service files)" : "")
                + "; the modes are local and cluster")));
  }

  private static final String LOCAL_MODE = "local";
  private static final String CLUSTER_MODE = "cluster";

  /** The system's {@code stowage.mode}; {@code local} if the key is absent. */
  static String mode(ActorSystem<?> system) {
    Config config = system.settings().config();
    if (!config.hasPath("stowage.mode")) {
      return LOCAL_MODE;
    }
    try {
      return config.getString("stowage.mode").trim().toLowerCase(Locale.ROOT);
    } catch (ConfigException e) {
      throw new InvalidRequestException("stowage.mode is invalid: " + e.getMessage(), e);
    }
  }

  private static Optional<WorkspaceStorageProvider> provider(String mode) {
    return ServiceLoader.load(WorkspaceStorageProvider.class, Stowage.class.getClassLoader()).stream()
        .map(ServiceLoader.Provider::get)
        .filter(provider -> provider.mode().equals(mode))
        .findFirst();
  }
}
