package dev.stowage.cluster;

import dev.stowage.actors.RequestValidation;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.WorkspaceStorageProvider;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.LocalKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code stowage.mode = cluster}: found by {@link dev.stowage.actors.Stowage#open} through {@link
 * java.util.ServiceLoader}. Opens a workspace on this node of a Pekko cluster: a {@link
 * dev.stowage.actors.WorkspaceSupervisor} over a {@link ClusterWorkspace}, behind the same façade as
 * local mode.
 */
public final class ClusterStorageProvider implements WorkspaceStorageProvider {

  @Override
  public String mode() {
    return "cluster";
  }

  @Override
  public CompletionStage<WorkspaceStorage> open(
      ActorSystem<?> system, String workspaceId, LocalKey key, StorageSettings settings) {
    try {
      RequestValidation.workspaceId(workspaceId);
      if (!"cluster".equals(system.settings().config().getString("pekko.actor.provider"))) {
        throw new InvalidRequestException("stowage.mode = cluster needs a cluster ActorSystem:"
            + " set pekko.actor.provider = cluster (and the cluster's seed nodes)");
      }
      Cluster.get(system); // starts joining, if the host has not yet
      return ClusterNode.ID.apply(system).open(workspaceId, key, settings);
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
