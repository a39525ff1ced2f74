package dev.stowage.protocol;

import java.time.Instant;
import java.util.Map;

/**
 * The root of a workspace: its top-level children by name. Component order is a contract.
 *
 * @param id the root's id, the key it is stored under ({@code setManifest(id, m)} requires the same)
 * @param baseVersion the remote version this local copy is based on: 0 for a root never
 *     synchronised (see {@link FileManifest}'s)
 * @param needSync whether this local copy has changes not yet uploaded: such an entry is in {@link
 *     NeedSync#local()}
 * @param updated when the root was last changed, as the host records it
 * @param children its top-level entries: each child's name to the child's id (a file or folder
 *     manifest of its own)
 */
public record WorkspaceManifest(
    EntryId id, long baseVersion, boolean needSync, Instant updated, Map<String, EntryId> children)
    implements LocalManifest {

  public WorkspaceManifest {
    Require.nonNull(id, "workspace manifest id");
    Require.nonNegative(baseVersion, "workspace manifest baseVersion");
    Require.nonNull(updated, "workspace manifest updated");
    children = DefensiveCopies.copyOf(children, "workspace manifest children");
  }
}
