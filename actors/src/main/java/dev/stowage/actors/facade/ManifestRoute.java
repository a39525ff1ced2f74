package dev.stowage.actors.facade;

import dev.stowage.protocol.StorageCommand;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a façade sends manifest commands itself instead of through its workspace's supervisor
 * (cluster mode: the workspace's shard region, which the supervisor would only forward them to).
 * The façade checks each command first, as the supervisor would; once the workspace has failed or
 * is closing ({@link dev.stowage.actors.common.WorkspaceHealth#ending()}) its commands go to the supervisor again, which
 * answers them as such.
 *
 * @param target the actor that takes the commands
 * @param envelope wraps a command as {@code target} takes it (a {@code ShardingEnvelope}, say)
 * @param fence what may refuse commands before they would time out ({@link RouteFence#OPEN}: nothing)
 */
public record ManifestRoute(ActorRef<Object> target, Function<StorageCommand.ManifestCommand, Object> envelope,
    RouteFence fence) {
  /** A route with no fence. */
  public ManifestRoute(ActorRef<Object> target, Function<StorageCommand.ManifestCommand, Object> envelope) {
    this(target, envelope, RouteFence.OPEN);
  }
}
