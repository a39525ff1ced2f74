package dev.stowage.protocol;

import java.time.Instant;
import java.util.Map;

/** The root of a workspace: its top-level children by name. Component order is a contract. */
public record WorkspaceManifest(
    EntryId id, long baseVersion, boolean needSync, Instant updated, Map<String, EntryId> children)
    implements LocalManifest {

  public WorkspaceManifest {
    Require.nonNull(id, "workspace manifest id");
    Require.nonNegative(baseVersion, "workspace manifest baseVersion");
    Require.nonNull(updated, "workspace manifest updated");
    children = Collections2.copyOf(children, "workspace manifest children");
  }
}
