package dev.stowage.protocol;

import java.time.Instant;
import java.util.Map;

/** A folder: its children by name. The component order is part of the public contract. */
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
    children = Collections2.copyOf(children, "folder manifest children");
  }
}
