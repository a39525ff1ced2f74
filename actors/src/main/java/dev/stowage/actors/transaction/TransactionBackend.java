package dev.stowage.actors.transaction;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * What differs between the modes for a {@link ManifestTransaction}: how a hold reaches the entity
 * of its id, and where the staged values commit together. Local mode: through the supervisor to its
 * entity pool, and one write of the data gateway (one SQLite transaction). Cluster mode: through
 * the shard region, and one PostgreSQL transaction with revision checks.
 */
public interface TransactionBackend {

  /** Sends {@code hold} to the entity of its id, starting it if it must; refuses it if it cannot. */
  void hold(EntityCommand.Hold hold);

  /**
   * Commits the staged writes of {@code held} in one transaction, all or none; answers {@code
   * replyTo} once committed, or with the failure (after which the outcome may be unknown).
   */
  void commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> replyTo);
}
