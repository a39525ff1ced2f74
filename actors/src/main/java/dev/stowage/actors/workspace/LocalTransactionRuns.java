package dev.stowage.actors.workspace;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.actors.transaction.TransactionNumbers;
import dev.stowage.actors.transaction.TransactionRun;
import dev.stowage.protocol.EntryId;
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
 * only with them, so a transaction costs no actor to start and stop and no watch of it; and its
 * commit's outcome goes from the data writer straight to the entities and the caller. About half
 * the messages of a move (W7's profile, docs/benchmarks.md). The façade sends a transaction's
 * first round of holds itself, after telling this it started ({@link FacadeMessage.TransactionStarted}):
 * both number transactions from one {@link TransactionNumbers}.
 *
 * <p>An answer for a transaction that ended (a late one of its first round, or one that waited past
 * ask-timeout) lets go of what it holds, as the transaction would have. The supervisor hands this
 * its messages in every phase: a transaction in flight when the workspace closes or fails still
 * hears its entities and answers its caller.
 */
final class LocalTransactionRuns {

  /** A run's timer ({@link TransactionRun.Host#checkIn}); {@code generation} tells a cancelled one. */
  private record Check(long transaction, int generation) implements SupervisorMessage {}

  private final ActorContext<Object> context;
  private final ActorRef<HoldReply> holder;
  private final LocalTransactions backend;
  private final DirtyTracker dirty;
  private final TransactionNumbers numbers;
  private final Duration holdWithin;
  private final Map<Long, Run> runs = new HashMap<>();

  LocalTransactionRuns(ActorContext<Object> context, LocalTransactions backend, DirtyTracker dirty,
      TransactionNumbers numbers, Duration holdWithin) {
    this.context = context;
    this.dirty = dirty;
    this.numbers = numbers;
    this.holder = context.getSelf().narrow();
    this.backend = backend;
    this.holdWithin = holdWithin;
  }

  /** Starts the transaction of {@code request}. */
  void start(UpdateManifests request) {
    run(request, numbers.next()).start();
  }

  private TransactionRun run(UpdateManifests request, long transaction) {
    Run run = new Run(transaction);
    run.run = new TransactionRun(request, transaction, holder, backend::hold, holdWithin, run);
    runs.put(transaction, run);
    return run.run;
  }

  /** Serves {@code message} if it is a transaction's: whether it was. */
  boolean onMessage(SupervisorMessage message) {
    if (message instanceof FacadeMessage.TransactionStarted started) {
      run(started.request(), started.transaction()).firstRoundSent(); // its answers come after this
    } else if (message instanceof HoldReply reply) {
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

    /**
     * The data writer tells the entities and the caller the outcome as it commits (as it answers a
     * durable write): nothing comes back here, the run ends now. The caller may hear before an
     * entity takes its value; each is held until then, so a read or a write the caller makes next
     * waits for it, and sees the value. And this supervisor hears first that the entries it counts
     * dirty are clean: what the caller asks it next (stats, a clear of the cache) finds them so, as
     * after a durable write, whose entity reports clean as it sends it. Which those are is known
     * here and now: an entity reports dirty before it answers a hold, and nothing changes it while
     * held. Most are clean (W7's never are dirty): they cost no message.
     */
    @Override
    public boolean commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> caller) {
      long id = transaction;
      ActorRef<Object> supervisor = context.getSelf();
      List<EntryId> wereDirty = held.stream().map(HoldReply.Held::id).filter(dirty::tracks).toList();
      backend.commit(held, caller, error -> {
        if (error == null) {
          wereDirty.forEach(entry -> supervisor.tell(new EntityHost.Clean(entry)));
        }
        TransactionRun.tellOutcome(held, holder, id, error);
      });
      return true;
    }
  }
}
