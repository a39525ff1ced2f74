package dev.stowage.actors.facade;

import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * How a façade call reaches its workspace's supervisor: refused at once if the workspace is closed
 * or failed (INV-6, INV-10), checked, admitted by the workspace's {@link CallAdmission}, then asked
 * with {@code ask-timeout}. The supervisor is one actor seen through two refs: the public protocol
 * ({@code supervisor}) and what only a façade sends it ({@code internal}, {@link FacadeMessage}).
 */
final class SupervisorCalls {
  /** The arguments of a call, checked and copied, or an {@link StorageException} saying what is wrong. */
  @FunctionalInterface
  interface Check<A> {
    A checked();
  }

  private final String workspaceId;
  private final ActorRef<StorageCommand> supervisor;
  private final ActorRef<FacadeMessage> internal;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final CallAdmission admission;
  private final WorkspaceHealth health;
  /** Set once close() completed: later calls fail at once instead of asking a stopped actor. */
  private volatile boolean closed;

  SupervisorCalls(String workspaceId, ActorRef<StorageCommand> supervisor, ActorRef<FacadeMessage> internal,
      Scheduler scheduler, Duration timeout, CallAdmission admission, WorkspaceHealth health) {
    this.workspaceId = workspaceId;
    this.supervisor = supervisor;
    this.internal = internal;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.admission = admission;
    this.health = health;
  }

  ActorRef<StorageCommand> supervisor() {
    return supervisor;
  }

  ActorRef<FacadeMessage> internal() {
    return internal;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  Duration timeout() {
    return timeout;
  }

  WorkspaceHealth health() {
    return health;
  }

  CallAdmission admission() {
    return admission;
  }

  boolean closed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }

  /** A failed stage if the workspace is closed or failed (INV-6, INV-10); null if a call may go on. */
  <T> CompletableFuture<T> refusal() {
    if (closed) {
      return CompletableFuture.failedFuture(new StorageClosedException("workspace '" + workspaceId + "' is closed"));
    }
    StorageException failed = health.forNextCall();
    return failed == null ? null : CompletableFuture.failedFuture(failed);
  }

  /**
   * Sends the call with {@code send} once admitted, unless the workspace is closed or failed: then
   * that is the answer, not an overload.
   *
   * @param bytes the chunk or block bytes the call carries
   */
  <T> CompletionStage<T> admitted(long bytes, Supplier<CompletionStage<T>> send) {
    CompletableFuture<T> refused = refusal();
    return refused != null ? refused : admission.call(bytes, send);
  }

  /** Asks the public protocol once admitted, unless closed or failed. */
  <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, StorageCommand> request) {
    return admitted(0, () -> askNow(request));
  }

  /** Asks the public protocol now, unless closed or failed: not admitted. */
  <T> CompletionStage<T> askNow(Function<ActorRef<StatusReply<T>>, StorageCommand> request) {
    return askNow(supervisor, request, timeout);
  }

  /** Asks an operation whose arguments the façade checked, now, unless closed or failed: not admitted. */
  <T> CompletionStage<T> askChecked(Function<ActorRef<StatusReply<T>>, StorageCommand.Operation> request) {
    return askNow(internal, replyTo -> new FacadeMessage.Checked(request.apply(replyTo)), timeout);
  }

  /** Asks what only a façade sends, now, unless closed or failed: not admitted. */
  <T> CompletionStage<T> askInternal(Function<ActorRef<StatusReply<T>>, FacadeMessage> request, Duration within) {
    return askNow(internal, request, within);
  }

  private <M, T> CompletionStage<T> askNow(ActorRef<M> to, Function<ActorRef<StatusReply<T>>, M> request,
      Duration within) {
    CompletableFuture<T> refused = refusal();
    if (refused != null) {
      return refused;
    }
    return PlainFutures.of(AskPattern.askWithStatus(to, request::apply, within, scheduler));
  }

  /**
   * Checks (and copies) the arguments with {@code check}; then, once admitted, {@code direct} may
   * answer without the supervisor (null if it may not), and otherwise asks with what {@code check}
   * returned, by {@code send}.
   *
   * @param bytes the chunk or block bytes the call carries
   */
  <A, T> CompletionStage<T> checkedAndAdmitted(long bytes, Check<A> check, Function<A, CompletionStage<T>> direct,
      Function<A, CompletionStage<T>> send) {
    A checked;
    try {
      checked = check.checked();
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return admitted(bytes, () -> {
      CompletionStage<T> answered = direct.apply(checked);
      return answered != null ? answered : send.apply(checked);
    });
  }
}
