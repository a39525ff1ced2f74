package dev.stowage.actors.workspace;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.transaction.TransactionRun;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * Local mode's tree transactions of several changes, coordinated by the workspace's supervisor
 * itself: each a {@link TransactionRun}, by its number, with the supervisor as the holder its
 * entities answer. Cluster mode spawns a coordinator for each ({@code ManifestTransaction}), whose
 * node may die: its entities watch it. Here the coordinator is the entities' parent, which stops
 * only with them, so a transaction costs no actor to start and stop and no watch of it: about
 * half the messages of a move (W7's profile, docs/benchmarks.md).
 *
 * <p>An answer for a transaction that ended (a late one of its first round, or one that waited past
 * ask-timeout) lets go of what it holds, as the transaction would have. The supervisor hands this
 * its messages in every phase: a transaction in flight when the workspace closes or fails still
 * hears its entities and its commit, and answers its caller.
 */
final class LocalTransactionRuns {

  /** A run's timer ({@link TransactionRun.Host#checkIn}); {@code generation} tells a cancelled one. */
  private record Check(long transaction, int generation) implements SupervisorMessage {}

  /** A run's commit ended: committed if {@code error} is null. */
  private record Committed(long transaction, Throwable error) implements SupervisorMessage {}

  private final ActorContext<Object> context;
  private final ActorRef<HoldReply> holder;
  private final LocalTransactions backend;
  private final Duration holdWithin;
  private final Map<Long, Run> runs = new HashMap<>();
  private long lastTransaction;

  LocalTransactionRuns(ActorContext<Object> context, LocalTransactions backend, Duration holdWithin) {
    this.context = context;
    this.holder = context.getSelf().narrow();
    this.backend = backend;
    this.holdWithin = holdWithin;
  }

  /** Starts the transaction of {@code request}. */
  void start(UpdateManifests request) {
    Run run = new Run(++lastTransaction);
    run.run = new TransactionRun(request, run.transaction, holder, backend, holdWithin, run);
    runs.put(run.transaction, run);
    run.run.start();
  }

  /** Serves {@code message} if it is a transaction's: whether it was. */
  boolean onMessage(SupervisorMessage message) {
    if (message instanceof HoldReply reply) {
      Run run = runs.get(reply.transaction());
      if (run == null) {
        TransactionRun.letGoLate(reply, holder);
      } else if (run.run.onHoldReply(reply)) {
        runs.remove(run.transaction);
      }
    } else if (message instanceof Check check) {
      Run run = runs.get(check.transaction());
      if (run != null && run.generation == check.generation() && run.run.onCheck()) {
        runs.remove(run.transaction);
      }
    } else if (message instanceof Committed committed) {
      Run run = runs.remove(committed.transaction());
      if (run != null) {
        run.run.onCommitted(committed.error() == null ? StatusReply.ack() : StatusReply.error(committed.error()));
      }
    } else {
      return false;
    }
    return true;
  }

  /** One transaction: its run, and its timer. */
  private final class Run implements TransactionRun.Host {
    final long transaction;
    TransactionRun run;
    private Cancellable check;
    private int generation;

    Run(long transaction) {
      this.transaction = transaction;
    }

    @Override
    public void checkIn(Duration delay) {
      cancelCheck();
      check = context.scheduleOnce(delay, context.getSelf(), new Check(transaction, generation));
    }

    @Override
    public void cancelCheck() {
      generation++; // a check already on its way is not this one
      if (check != null) {
        check.cancel();
        check = null;
      }
    }

    @Override
    public void commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> caller) {
      context.pipeToSelf(backend.commit(held, caller, holdWithin, context.getSystem().scheduler()),
          (done, error) -> new Committed(transaction, error));
    }

    /**
     * The data writer answers the caller as it commits, as it answers a durable write: the caller
     * does not wait for the answer to come back here first. Its entries are still held until their
     * apply comes: a read or a write the caller makes next waits for it, and sees the values.
     */
    @Override
    public boolean commitAnswersCaller() {
      return true;
    }
  }
}
