package dev.stowage.actors.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Plain {@link CompletableFuture}s from Scala-backed stages. Pekko's {@code AskPattern} and the
 * Java APIs of Pekko plugins (pekko-persistence-jdbc's {@code getObject}, say) return a stage that
 * runs every dependent callback ({@code thenApply}, {@code whenComplete}, {@code handle}...)
 * asynchronously on the common pool, which on a machine with 2 cores means a new thread per
 * callback (the common pool has one thread there, so {@code CompletableFuture} falls back to a
 * thread per task). A profile of cluster mode found one thread started per manifest write.
 */
public final class PlainFutures {
  private PlainFutures() {}

  /**
   * {@code stage} as a plain future, completed on the thread that completes {@code stage} (one of
   * the actor system's), unwrapped of {@link CompletionException}. Like any {@code
   * CompletableFuture}, its non-async callbacks run on the completing thread: slow work belongs in
   * the {@code *Async} variants with the caller's own executor.
   */
  public static <T> CompletableFuture<T> of(CompletionStage<T> stage) {
    CompletableFuture<T> result = new CompletableFuture<>();
    relay(stage, result);
    return result;
  }

  /** Completes {@code target} as {@code stage} completes, in the same way as {@link #of}. */
  public static <T> void relay(CompletionStage<T> stage, CompletableFuture<T> target) {
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) {
        target.completeExceptionally(StatusReplies.unwrap(error));
      } else {
        target.complete(value);
      }
    }, Runnable::run);
  }
}
