package dev.stowage.actors.common;

import dev.stowage.protocol.StorageCommand.Request;
import dev.stowage.protocol.StorageException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/** Answers requests: with an error whatever their success type, or when a result completes. Public for stowage-cluster. */
public final class StatusReplies {
  private StatusReplies() {}

  /**
   * Answers {@code replyTo} when {@code result} completes, on {@code executor} (the actor's
   * dispatcher: never a gateway's thread, whose asks complete {@code result}).
   */
  public static <T> void when(CompletionStage<T> result, ActorRef<StatusReply<T>> replyTo, Executor executor) {
    result.whenCompleteAsync((value, error) -> replyTo.tell(
        error == null ? StatusReply.success(value) : StatusReply.error(unwrap(error))), executor);
  }

  /** Runs {@code check}; if it refuses the request, answers it with the refusal. @return whether it refused */
  public static boolean refused(Request request, Runnable check) {
    try {
      check.run();
      return false;
    } catch (StorageException e) {
      error(request, e);
      return true;
    }
  }

  /** The cause of a completion exception; the error itself otherwise. */
  public static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /**
   * A message adapter for a {@code StatusReply<R>} (a close's answer, a backend's): Pekko's adapters
   * take a class, which cannot say {@code StatusReply<R>}; this is the one place that says so. The
   * ref it returns is handed only to those who answer it with an {@code R}.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <R, T> ActorRef<StatusReply<R>> adapter(ActorContext<T> context, Function<StatusReply<R>, T> adapt) {
    return (ActorRef) context.messageAdapter(StatusReply.class, reply -> adapt.apply((StatusReply<R>) reply));
  }

  @SuppressWarnings("unchecked")
  public static void error(Request request, Throwable error) {
    // An error reply fits every StatusReply<T>, so the cast cannot be wrong.
    ((ActorRef<StatusReply<?>>) request.replyTo()).tell(StatusReply.error(error));
  }
}
