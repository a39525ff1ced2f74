package dev.stowage.actors;

import dev.stowage.protocol.StorageCommand.Request;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/** Answers any request with an error, whatever the type of its success value. Public for stowage-cluster. */
public final class Replies {
  private Replies() {}

  @SuppressWarnings("unchecked")
  public static void error(Request request, Throwable error) {
    // An error reply fits every StatusReply<T>, so the cast cannot be wrong.
    ((ActorRef<StatusReply<?>>) request.replyTo()).tell(StatusReply.error(error));
  }
}
