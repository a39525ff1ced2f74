package dev.stowage.actors.gateway;

import dev.stowage.protocol.StorageFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The writes a {@link DbGateway} ran in its open transaction, waiting for its commit: each is
 * answered once the commit that holds it succeeded, or with the failure that rolled it back; and
 * what the gateway has committed so far (its statistics). Confined to its gateway.
 */
final class WriteBatch {
  /** A write executed in the open batch, answered when the batch commits or fails. */
  private record PendingWrite<R>(ActorRef<StatusReply<R>> replyTo, R result, ActorRef<StatusReply<Done>> writer,
      Consumer<Throwable> outcome) {
    void succeed() {
      if (replyTo != null) {
        replyTo.tell(StatusReply.success(result));
      }
      if (outcome != null) {
        outcome.accept(null);
      }
      if (writer != null) {
        writer.tell(StatusReply.ack()); // after its entity's answer: what the writer asks next comes later
      }
    }

    void fail(StorageFailedException cause) {
      if (replyTo != null) {
        replyTo.tell(StatusReply.error(cause));
      }
      if (outcome != null) {
        outcome.accept(cause);
      }
      if (writer != null) {
        writer.tell(StatusReply.error(cause));
      }
    }
  }

  private final List<PendingWrite<?>> pending = new ArrayList<>();
  private long openedNanos;
  private long commits;
  private long writes;
  private int largest;

  /** A transaction began ({@link System#nanoTime()}). */
  void opened() {
    openedNanos = System.nanoTime();
  }

  long openedNanos() {
    return openedNanos;
  }

  /**
   * A write ran in the open transaction: {@code replyTo} is answered {@code result}, then {@code
   * outcome} runs and {@code writer} is answered {@code Done} (each if any), after its commit.
   * Bookkeeping that answers nobody passes nulls.
   */
  <R> void add(ActorRef<StatusReply<R>> replyTo, R result, ActorRef<StatusReply<Done>> writer,
      Consumer<Throwable> outcome) {
    pending.add(new PendingWrite<>(replyTo, result, writer, outcome));
  }

  int size() {
    return pending.size();
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  /** The transaction committed: every write is answered, and counted. */
  void committed() {
    commits++;
    writes += pending.size();
    largest = Math.max(largest, pending.size());
    pending.forEach(PendingWrite::succeed);
    pending.clear();
  }

  /** The transaction was rolled back: every writer learns it. */
  void failed(StorageFailedException cause) {
    pending.forEach(write -> write.fail(cause));
    pending.clear();
  }

  long commits() {
    return commits;
  }

  long writes() {
    return writes;
  }

  int largest() {
    return largest;
  }
}
