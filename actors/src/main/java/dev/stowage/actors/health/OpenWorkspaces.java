package dev.stowage.actors.health;

import dev.stowage.actors.common.WorkspaceHealth;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The workspaces open in one ActorSystem, each with its {@link WorkspaceHealth}, and the stores they
 * depend on: what {@link StowageReadinessCheck} reads. Both modes fill it the same way: a
 * workspace's supervisor {@linkplain #opened registers} it once it is open and {@linkplain #closed
 * takes it out} once it is closed (a close answered, or the supervisor stopped); cluster mode's node
 * adds its PostgreSQL as a {@linkplain #dependsOn store}.
 *
 * <p>A workspace is known by its directory (one supervisor per directory at a time: {@code
 * WorkspaceRegistry}, cluster mode's node). A workspace that failed stays here, failed, until the
 * host closes it, or opens it again: the new open takes its place, and the failed supervisor's
 * later close takes out only its own entry.
 *
 * <p>Thread-safe: registered on the supervisors' threads, read on a health check's.
 */
public final class OpenWorkspaces implements Extension {

  /** One open workspace: its id (for messages) and its health. */
  public record Workspace(String workspaceId, WorkspaceHealth health) {}

  /** A store the workspaces depend on, by the name a failure is reported with. */
  public record Store(String name, StoreProbe probe) {}

  public static final ExtensionId<OpenWorkspaces> ID = new ExtensionId<>() {
    @Override
    public OpenWorkspaces createExtension(ActorSystem<?> system) {
      return new OpenWorkspaces();
    }
  };

  /** The registry of {@code system}. */
  public static OpenWorkspaces get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private final Map<String, Workspace> open = new ConcurrentHashMap<>();
  private final Map<String, Store> stores = new ConcurrentHashMap<>();

  OpenWorkspaces() {}

  /** The workspace in {@code dir} is open, with {@code health}; replaces an earlier open of it. */
  public void opened(String dir, String workspaceId, WorkspaceHealth health) {
    open.put(dir, new Workspace(workspaceId, health));
  }

  /** The workspace in {@code dir} whose health is {@code health} is closed; a later open of it stays. */
  public void closed(String dir, WorkspaceHealth health) {
    open.computeIfPresent(dir, (key, current) -> current.health() == health ? null : current);
  }

  /** From now on the open workspaces depend on the store {@code name}; replaces a probe of that name. */
  public void dependsOn(String name, StoreProbe probe) {
    stores.put(name, new Store(name, probe));
  }

  /** The open workspaces (a snapshot). */
  public List<Workspace> workspaces() {
    return List.copyOf(open.values());
  }

  /** The stores the workspaces depend on (a snapshot). */
  public List<Store> stores() {
    return List.copyOf(stores.values());
  }
}
