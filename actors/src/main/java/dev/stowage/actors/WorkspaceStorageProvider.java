package dev.stowage.actors;

import dev.stowage.storage.LocalKey;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A mode of Stowage, found with {@link java.util.ServiceLoader} when {@code stowage.mode} names it:
 * {@link Stowage#open} hands the workspace to the provider whose {@link #mode()} is configured. This
 * module provides {@code local}, the module {@code stowage-cluster} {@code cluster}.
 */
public interface WorkspaceStorageProvider {

  /** The value of {@code stowage.mode} this provider serves, e.g. {@code cluster}. */
  String mode();

  /** Opens {@code workspaceId} in {@code system}; the same contract as {@link Stowage#open}. */
  CompletionStage<WorkspaceStorage> open(ActorSystem<?> system, String workspaceId, LocalKey key, StorageSettings settings);
}
