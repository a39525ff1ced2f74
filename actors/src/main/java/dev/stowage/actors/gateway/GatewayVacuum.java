package dev.stowage.actors.gateway;

import dev.stowage.protocol.StorageClosedException;
import dev.stowage.storage.IncrementalVacuum;
import dev.stowage.storage.LocalDatabase;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * A {@link DbGateway}'s vacuum in progress and who waits for it: the vacuum's steps, one per
 * {@code VacuumStepDue} the gateway sends itself, and its answers (done, cut short by a close,
 * failed). A request for a vacuum while one runs waits for that one. Confined to its gateway.
 */
final class GatewayVacuum {
  private final String database;
  private IncrementalVacuum current;
  private final List<ActorRef<StatusReply<Boolean>>> waiters = new ArrayList<>();

  GatewayVacuum(String database) {
    this.database = database;
  }

  /** Whether a vacuum runs: a new request joins it. */
  boolean inProgress() {
    return current != null;
  }

  /** {@code replyTo} is answered with the vacuum in progress. */
  void join(ActorRef<StatusReply<Boolean>> replyTo) {
    waiters.add(replyTo);
  }

  /**
   * Starts a vacuum of {@code db} (which {@link LocalDatabase#vacuumsIncrementally}) if its files
   * take more than {@code threshold}; else answers {@code replyTo} at once.
   *
   * @return whether a vacuum started, whose first step is due
   */
  boolean start(LocalDatabase db, long threshold, ActorRef<StatusReply<Boolean>> replyTo) {
    current = db.startVacuum(threshold);
    if (current == null) {
      replyTo.tell(StatusReply.success(false));
      return false;
    }
    waiters.add(replyTo);
    return true;
  }

  /**
   * Runs the next step (the gateway has committed what ran since the last one); once the vacuum
   * is finished, answers every waiter.
   *
   * @return the steps run so far if the vacuum is finished, else 0 (another step is due)
   */
  int step(int pages) {
    if (!current.step(pages)) {
      return 0;
    }
    int steps = current.steps();
    answer(StatusReply.success(true));
    return steps;
  }

  /** The gateway closes: its waiters learn that the vacuum did not finish (what it freed stays freed). */
  void cutShort() {
    if (!waiters.isEmpty()) {
      answer(StatusReply.error(new StorageClosedException(
          database + " was closed before its vacuum finished (the pages freed so far stay freed)")));
    }
    current = null;
  }

  /** The database failed: every waiter gets the failure. */
  void fail(Throwable cause) {
    answer(StatusReply.error(cause));
  }

  private void answer(StatusReply<Boolean> reply) {
    waiters.forEach(waiter -> waiter.tell(reply));
    waiters.clear();
    current = null;
  }
}
