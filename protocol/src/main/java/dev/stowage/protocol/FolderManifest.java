package dev.stowage.protocol;

import java.time.Instant;
import java.util.Map;

/**
 * A folder: its children by name. The component order is part of the public contract.
 *
 * @param id the folder's id, the key it is stored under ({@code setManifest(id, m)} requires the same)
 * @param parent the id of the folder or workspace manifest that lists it among its children
 * @param baseVersion the remote version this local copy is based on: 0 for a folder never
 *     synchronised (see {@link FileManifest}'s)
 * @param needSync whether this local copy has changes not yet uploaded: such an entry is in {@link
 *     NeedSync#local()}
 * @param updated when the folder was last changed, as the host records it
 * @param children its entries: each child's name in this folder to the child's id (a file or
 *     folder manifest of its own)
 */
public record FolderManifest(
    EntryId id,
    EntryId parent,
    long baseVersion,
    boolean needSync,
    Instant updated,
    Map<String, EntryId> children)
    implements LocalManifest {

  public FolderManifest {
    Require.nonNull(id, "folder manifest id");
    Require.nonNull(parent, "folder manifest parent");
    Require.nonNegative(baseVersion, "folder manifest baseVersion");
    Require.nonNull(updated, "folder manifest updated");
    children = DefensiveCopies.copyOf(children, "folder manifest children");
  }
}
