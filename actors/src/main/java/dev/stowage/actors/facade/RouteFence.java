package dev.stowage.actors.facade;

import dev.stowage.protocol.StorageException;
import java.util.concurrent.CompletionStage;

/**
 * What may stop a façade's manifest commands on their {@link ManifestRoute} before the ask times
 * out (cluster mode: the node cannot reach a majority of the cluster, or has been downed, so its
 * calls would wait for {@code ask-timeout} and might be answered by an entity the majority has
 * already replaced). While the fence is closed, a command is refused at once with {@link
 * #refusal()}; when it closes, the commands in flight through it ({@link #guard}) fail with it too.
 */
public interface RouteFence {
  /** A fence that never closes: nothing to guard. */
  RouteFence OPEN = new RouteFence() {
    @Override
    public StorageException refusal() {
      return null;
    }

    @Override
    public <T> CompletionStage<T> guard(CompletionStage<T> sent) {
      return sent;
    }
  };

  /** Null while commands may go; else the error each one gets (a new instance per call is not needed). */
  StorageException refusal();

  /** A stage that completes as {@code sent} does, or fails with the refusal if the fence closes first. */
  <T> CompletionStage<T> guard(CompletionStage<T> sent);
}
