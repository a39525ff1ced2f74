package dev.stowage.cluster;

import dev.stowage.actors.common.PlainFutures;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiPredicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.pattern.Patterns;

/**
 * Asking the cluster again until an answer will do: Pekko's {@code Patterns.retry}, bounded by a
 * time budget rather than a count of attempts, its stage made plain ({@link PlainFutures}).
 */
final class Polling {
  private Polling() {}

  /**
   * Runs {@code attempt}, and again every {@code every} while {@code notYet} holds of its outcome
   * (value, or error) and {@code budget} has not passed; completes with the last outcome.
   */
  static <T> CompletableFuture<T> until(ActorSystem<?> system, Duration budget, Duration every,
      Callable<CompletionStage<T>> attempt, BiPredicate<T, Throwable> notYet) {
    long deadline = System.nanoTime() + budget.toNanos();
    return PlainFutures.of(Patterns.retry(attempt,
        (value, error) -> notYet.test(value, error) && System.nanoTime() + every.toNanos() < deadline,
        Integer.MAX_VALUE, every, system));
  }
}
