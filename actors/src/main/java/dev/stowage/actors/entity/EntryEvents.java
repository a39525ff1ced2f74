package dev.stowage.actors.entity;

import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.WorkspaceEvent.ChangeCause;
import dev.stowage.protocol.WorkspaceEvent.ManifestChanged;
import java.util.ArrayDeque;

/**
 * The change-feed events of one entry, published once their change is visible and in the order of
 * the changes: a cache-only write's at once, a durable change's once its version is persisted, and
 * none before an earlier one still waiting. Confined to its entity. While nobody subscribes
 * ({@link ChangePublisher#active()} false) and nothing waits, a change costs one volatile read.
 */
final class EntryEvents {
  private record Pending(long version, boolean durable, ManifestChanged event) {}

  private final EntryId id;
  private final ChangePublisher publisher;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>(2);

  EntryEvents(EntryId id, ChangePublisher publisher) {
    this.id = id;
    this.publisher = publisher;
  }

  /**
   * Version {@code version} of the entry was written ({@code durable}: visible once persisted);
   * {@code persisted} is the version persisted now.
   */
  void changed(long version, boolean durable, long persisted, boolean needSync, ChangeCause cause) {
    if (pending.isEmpty() && !publisher.active()) {
      return;
    }
    pending.add(new Pending(version, durable, new ManifestChanged(id, needSync, cause)));
    persisted(persisted);
  }

  /** Every version up to {@code persisted} is persisted: publishes what waited for it, in order. */
  void persisted(long persisted) {
    while (!pending.isEmpty() && (!pending.peek().durable() || pending.peek().version() <= persisted)) {
      publisher.publish(pending.poll().event());
    }
  }

  /** Nothing waiting will be persisted (the workspace failed, the dirty value was dropped). */
  void drop() {
    pending.clear();
  }
}
