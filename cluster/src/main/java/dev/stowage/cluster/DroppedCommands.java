package dev.stowage.cluster;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.protocol.NotDeliveredException;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import org.apache.pekko.actor.AllDeadLetters;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.UnhandledMessage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * Answers at once the manifest commands and tree transactions' holds that were dropped on this
 * node without reaching their entity, with {@link NotDeliveredException}: nothing of them was
 * applied, and without an answer their callers would wait for {@code ask-timeout} and learn only
 * that the outcome is unknown. Every node of cluster mode runs one, at {@code /system/} {@value
 * #NAME}, from the start of cluster mode there; it is the node where a command is dropped that
 * answers it, wherever its caller is (the answer crosses nodes as an entity's would).
 *
 * <p><b>What is dropped.</b> A shard region drops what it had buffered for a shard when the shard's
 * hand-off to another node begins (a node joined, or is leaving), to keep the order of the shard's
 * commands ("Dropping [n] buffered messages to shard [s] during hand off"); a region or a shard
 * drops what overflows its buffer; a command sent to an entity that had just stopped goes to dead
 * letters. Pekko publishes each on the event stream, as a {@link Dropped} (which the dead letters
 * actor wraps in a {@code DeadLetter}), a {@code DeadLetter} or an {@link UnhandledMessage}: this
 * listens to all of them ({@link AllDeadLetters}), once each, and picks out Stowage's commands,
 * enveloped for a region or not.
 *
 * <p><b>What is not seen.</b> A command that a shard buffered for an entity it was passivating,
 * when that shard is handed off: the shard stops without publishing what it held. Its caller waits
 * for {@code ask-timeout} as before (docs/scale-out.md).
 */
final class DroppedCommands {
  static final String NAME = "stowage-dropped-commands";

  private DroppedCommands() {}

  static Behavior<AllDeadLetters> create() {
    return Behaviors.setup(context -> {
      context.getSystem().eventStream().tell(new EventStream.Subscribe<>(AllDeadLetters.class, context.getSelf()));
      return Behaviors.receive(AllDeadLetters.class)
          .onMessage(AllDeadLetters.class, letter -> {
            answer(letter);
            return Behaviors.same();
          })
          .build();
    });
  }

  /** If {@code letter} holds a manifest command or a hold, answers it with {@link NotDeliveredException}. */
  static void answer(AllDeadLetters letter) {
    Object message = letter.message();
    String why;
    if (message instanceof Dropped dropped) { // the dead letters actor's wrapping of a Dropped
      message = dropped.message();
      why = "Cluster Sharding dropped it: " + dropped.reason();
    } else if (letter instanceof Dropped dropped) {
      why = "Cluster Sharding dropped it: " + dropped.reason();
    } else if (letter instanceof UnhandledMessage) {
      why = "its recipient did not handle it";
    } else {
      why = "it went to dead letters: its recipient had stopped, or a buffer on its way was full";
    }
    Object command = message instanceof ShardingEnvelope<?> envelope ? envelope.message() : message;
    if (command instanceof ManifestCommand manifestCommand) {
      EntityCommand.refuse(command, new NotDeliveredException("manifest " + manifestCommand.id() + ": the call did"
          + " not reach its entity, and nothing of it was applied (" + why + ")"));
    } else if (command instanceof EntityCommand.Hold hold) {
      EntityCommand.refuse(command, new NotDeliveredException("manifest " + hold.id() + ": a tree transaction's"
          + " hold did not reach its entity (" + why + "), and nothing of the transaction was applied"));
    }
  }
}
