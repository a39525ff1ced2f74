package dev.stowage.cluster;

import dev.stowage.actors.health.StoreProbe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Scheduler;
import scala.concurrent.ExecutionContext;

/**
 * Whether this node reaches PostgreSQL, for the readiness check ({@link
 * dev.stowage.actors.health.StowageReadinessCheck}): a {@code SELECT 1} on the chunk gateway's pool
 * and threads ({@link ClusterDatabase#ping}), never on the caller's thread or a default-dispatcher
 * thread.
 *
 * <p>The answer comes within {@code stowage.cluster.readiness-timeout}: no answer by then is
 * reported as unreachable. The ping itself may wait longer (a connection, up to {@code
 * connection-timeout}, while PostgreSQL is down); checks meanwhile share it rather than start
 * another, so that probes never hold more than one of the gateway's threads.
 */
final class PostgresProbe implements StoreProbe {
  private final ClusterDatabase database;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final ExecutionContext executor;
  /** The last ping, done or still running. */
  private final AtomicReference<CompletableFuture<Done>> last = new AtomicReference<>(
      CompletableFuture.completedFuture(Done.getInstance()));

  /**
   * @param executor where the timeout completes an answer: not the jdbc threads, which an outage ties up
   */
  PostgresProbe(ClusterDatabase database, Duration timeout, Scheduler scheduler, ExecutionContext executor) {
    this.database = database;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.executor = executor;
  }

  @Override
  public CompletionStage<Done> reachable() {
    CompletableFuture<Done> answer = new CompletableFuture<>();
    ping().whenComplete((done, error) -> {
      if (error == null) {
        answer.complete(done);
      } else {
        answer.completeExceptionally(error);
      }
    });
    scheduler.scheduleOnce(timeout, () -> answer.completeExceptionally(new TimeoutException(
        "no answer to the readiness check's SELECT 1 within " + timeout.toMillis() + " ms")), executor);
    return answer;
  }

  /** The ping running, or a new one if none is. */
  private CompletableFuture<Done> ping() {
    while (true) {
      CompletableFuture<Done> current = last.get();
      if (!current.isDone()) {
        return current;
      }
      CompletableFuture<Done> next = new CompletableFuture<>();
      if (last.compareAndSet(current, next)) {
        int queryTimeoutSeconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        database.ping(queryTimeoutSeconds).whenComplete((done, error) -> {
          if (error == null) {
            next.complete(done);
          } else {
            next.completeExceptionally(error);
          }
        });
        return next;
      }
    }
  }
}
