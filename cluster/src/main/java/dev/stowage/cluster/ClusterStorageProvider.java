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
 * dev.stowage.actors.workspace.WorkspaceSupervisor} over a {@link ClusterWorkspace}, behind the same façade as
 * local mode.
 */
public final class ClusterStorageProvider implements WorkspaceStorageProvider {
  static final String FRAME_SIZE = "pekko.remote.artery.advanced.maximum-frame-size";

  /** Room in a message for what is not manifest or removed ids: the envelope, the actor refs, the entity id. */
  static final int ENVELOPE_ROOM = 64 << 10;

  /** Bytes of one dirty entry in a peer's answer, at most (41 measured: ClusterSettingsTest). */
  static final int DIRTY_ENTRY_BYTES = 64;

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
      requireFrameFor(settings, system.settings().config().getBytes(FRAME_SIZE));
      Cluster.get(system); // starts joining, if the host has not yet
      ClusterNode node = ClusterNode.ID.apply(system);
      return node.open(workspaceId, key, settings,
          health -> ClusterWorkspace.factory(workspaceId, key, settings, node, health));
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Two messages of Stowage's carry a lot across nodes, and Artery drops a message larger than its
   * frame (the caller's ask would time out): a manifest write to an entity on another node, a
   * manifest of {@code max-manifest-size} and as many bytes again of removed chunk ids ({@link
   * StorageSettings#maxRemovedChunkIds()}); and a peer's dirty entries for a workspace-wide
   * need-sync ({@link WorkspacePeers}), up to {@code cache.max-dirty} of them. The frame must hold
   * the larger, and the envelope.
   */
  static void requireFrameFor(StorageSettings settings, long frameSize) {
    long write = 2L * settings.maxManifestSize();
    long dirty = (long) settings.maxDirty() * DIRTY_ENTRY_BYTES;
    long needed = Math.max(write, dirty) + ENVELOPE_ROOM;
    if (frameSize < needed) {
      throw new InvalidRequestException(FRAME_SIZE + " is " + frameSize + " bytes; cluster mode needs at least "
          + needed + (write >= dirty
              ? " for stowage.max-manifest-size (" + settings.maxManifestSize() + " bytes): twice it, plus 64 KiB, since"
                  + " a write carries its manifest and its removed chunk ids in one message"
              : " for stowage.cache.max-dirty (" + settings.maxDirty() + "): " + DIRTY_ENTRY_BYTES + " bytes each,"
                  + " plus 64 KiB, since a node sends its dirty entries to a peer in one message"));
    }
  }
}
