package dev.stowage.actors.feed;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.WorkspaceEvent.ChangeCause;
import dev.stowage.protocol.WorkspaceEvent.ManifestChanged;
import java.util.Collection;

/** The events of a committed checkpoint update: one per entry whose remote version rose. */
public final class CheckpointEvents {
  private CheckpointEvents() {}

  public static void publish(ChangePublisher publisher, Collection<EntryId> raised) {
    if (publisher.active()) {
      raised.forEach(id -> publisher.publish(new ManifestChanged(id, true, ChangeCause.CHECKPOINT)));
    }
  }
}
