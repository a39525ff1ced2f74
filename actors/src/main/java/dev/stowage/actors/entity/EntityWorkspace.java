package dev.stowage.actors.entity;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.feed.ChangePublisher;

/**
 * What a {@link ManifestEntity} shares with the rest of its workspace: where it publishes its value
 * for hot reads, how it learns that the workspace failed, and where it publishes its changes (the
 * change feed).
 */
public record EntityWorkspace(PublishedManifests published, WorkspaceHealth failure, ChangePublisher changes) {
  /** A workspace without hot reads, whose failures reach its entities as backend errors (cluster mode). */
  public static EntityWorkspace unshared(ChangePublisher changes) {
    return new EntityWorkspace(PublishedManifests.NONE, new WorkspaceHealth(), changes);
  }

  /** Whether this workspace's supervisor is local mode's, with its fast paths (hot reads, readers). */
  public boolean local() {
    return published != PublishedManifests.NONE;
  }
}
