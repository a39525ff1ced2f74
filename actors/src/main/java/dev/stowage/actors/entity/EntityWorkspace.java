package dev.stowage.actors.entity;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.WorkspaceHealth;

/**
 * What a {@link ManifestEntity} shares with the rest of its workspace: where it publishes its value
 * for hot reads, and how it learns that the workspace failed.
 */
public record EntityWorkspace(PublishedManifests published, WorkspaceHealth failure) {
  /** A workspace without hot reads, whose failures reach its entities as backend errors (cluster mode). */
  public static EntityWorkspace unshared() {
    return new EntityWorkspace(PublishedManifests.NONE, new WorkspaceHealth());
  }

  /** Whether this workspace's supervisor is local mode's, with its fast paths (hot reads, readers). */
  public boolean local() {
    return published != PublishedManifests.NONE;
  }
}
