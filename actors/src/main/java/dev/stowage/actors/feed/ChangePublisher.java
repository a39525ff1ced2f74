package dev.stowage.actors.feed;

import dev.stowage.protocol.WorkspaceEvent;

/**
 * Where an entity, or its workspace, publishes a change once it is visible. Thread-safe: the
 * entities of a workspace publish from their own threads.
 */
public interface ChangePublisher {
  /** Publishes nothing (tests, tools that open a workspace without a feed). */
  ChangePublisher NONE = new ChangePublisher() {
    @Override
    public boolean active() {
      return false;
    }

    @Override
    public void publish(WorkspaceEvent event) {}
  };

  /**
   * Whether events are wanted: a caller builds none while this is false, so that the hot paths of a
   * workspace nobody watches pay one volatile read.
   */
  boolean active();

  void publish(WorkspaceEvent event);
}
