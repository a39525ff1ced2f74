package dev.stowage.actors.transaction;

import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * The coordinator of one tree transaction as an actor of its own ({@link TransactionRun} says
 * what it does): cluster mode's, where the call was made. If it stops while it holds entities (its
 * node stopped, say), each entity learns it by death watch and asks its backend what is stored
 * before it lets go ({@link dev.stowage.actors.entity.ManifestBackend#settle}). Local mode's
 * supervisor runs its transactions itself ({@code LocalTransactionRuns}).
 */
public final class ManifestTransaction {

  private enum Check { INSTANCE }

  private ManifestTransaction() {}

  /** The coordinator of {@code request}. */
  public static Behavior<Object> create(UpdateManifests request, TransactionBackend backend, Duration holdWithin) {
    // No setLoggerName: it walks the stack (Pekko's logger-class detection) on every call, and a
    // coordinator lives for one transaction and logs nothing.
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ActorRef<Object> self = context.getSelf();
      TransactionRun run = new TransactionRun(request, 0, self.narrow(), backend::hold, holdWithin, new TransactionRun.Host() {
        @Override
        public void checkIn(Duration delay) {
          timers.startSingleTimer(Check.INSTANCE, delay);
        }

        @Override
        public void cancelCheck() {
          timers.cancel(Check.INSTANCE);
        }

        @Override
        public boolean commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> caller) {
          // the commit's answer comes straight to this actor: the one StatusReply it receives
          backend.commit(held, self.narrow());
          return false;
        }
      });
      run.start();
      return Behaviors.receive(Object.class)
          .onMessage(HoldReply.class, reply -> run.onHoldReply(reply) ? Behaviors.stopped() : Behaviors.same())
          .onMessageEquals(Check.INSTANCE, () -> run.onCheck() ? Behaviors.stopped() : Behaviors.same())
          .onMessage(StatusReply.class, reply -> {
            run.onCommitted(reply);
            return Behaviors.stopped();
          })
          .build();
    }));
  }
}
