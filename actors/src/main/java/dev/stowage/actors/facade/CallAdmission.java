package dev.stowage.actors.facade;

import dev.stowage.actors.OverloadSettings;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.events.CallRefusedEvent;
import dev.stowage.protocol.StorageOverloadedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How much work one workspace's façade has in flight: each call it admits counts, with the chunk
 * or block bytes it carries, from the moment it is sent until its stage completes, however it
 * completes ({@code stowage.overload}, {@link OverloadSettings}). Without it a host that calls
 * faster than the disk commits grows the entities' and gateways' mailboxes, and the heap, until
 * the oldest calls time out; with it, the work queued behind the database is bounded, and so is
 * the time an admitted call waits there.
 *
 * <p>Admission: the calls and the bytes in flight are one {@code long} (calls in the high bits,
 * bytes in the low 41), so a call is admitted by one compare-and-set that checks
 * both limits, and released by one add. When nobody waits, that and a read of {@link #waiting} are
 * all a call costs here: no lock, nothing allocated beyond the stage the caller gets.
 *
 * <p>Past a limit ({@link OverloadSettings.WhenFull}): {@code FAIL} refuses the call at once with
 * {@link StorageOverloadedException}, nothing sent. {@code WAIT} queues it, unless the queue holds
 * {@code max-calls-waiting} calls or {@code max-bytes-waiting} bytes already (then it is refused at
 * once); a release, or a new arrival, starts a drain that admits the queue's head while there is
 * room, and refuses the heads whose {@code max-wait} has passed. Nothing admitted is ever dropped:
 * a call is refused only before it is sent.
 *
 * <p>Order: the queue is first come first served, and while any call waits a new call queues
 * behind it instead of taking a place freed meanwhile. A waiting call still counts as waiting
 * until it has been sent, so a call made after it can never be sent before it: one caller's calls
 * reach the entities and gateways in the order it made them, as without the limit.
 *
 * <p>Concurrency: the drain runs on {@code executor} (Stowage's dispatcher, not the thread that
 * released: that may be a gateway's), one at a time. A request for a drain while one runs makes it
 * go round once more, so no release and no arrival is missed (a counter of requests, as
 * reactive-streams operators serialize their drain loops). Deadlines come in the order calls
 * arrive (every call waits the same {@code max-wait}), so one timer at a time suffices: it is set
 * for the head's deadline, and each drain sets it again for the new head.
 */
public final class CallAdmission {
  /** Bits of the packed counters that hold bytes: up to 1 TiB ({@link OverloadSettings#BYTES_LIMIT}). */
  private static final int BYTE_BITS = 41;
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;
  private static final long ONE_CALL = 1L << BYTE_BITS;

  /** Runs a task after a delay: the actor system's scheduler, a test's hand. */
  public interface Timer {
    void schedule(long delayNanos, Runnable task);
  }

  private final String workspaceId;
  private final OverloadSettings settings;
  private final boolean waits;
  private final long maxWaitNanos;
  private final Executor executor;
  private final Timer timer;
  private final LongSupplier clock;

  /** Calls and bytes in flight, packed. */
  private final AtomicLong inFlight = new AtomicLong();
  /** Calls and bytes waiting, packed; a call counts here until it has been sent. */
  private final AtomicLong waiting = new AtomicLong();
  private final ConcurrentLinkedQueue<Waiting<?>> queue = new ConcurrentLinkedQueue<>();
  /** Drains requested and not yet gone round: a drain runs only while this is positive. */
  private final AtomicInteger drains = new AtomicInteger();
  private final Runnable drain = this::drain;
  private final Runnable expiry = this::onExpiryTimer;
  /** Whether a timer is set; set and read by the drain, cleared by the timer. */
  private volatile boolean timerSet;
  private final LongAdder refused = new LongAdder();
  private final LongAdder waited = new LongAdder();

  public CallAdmission(String workspaceId, OverloadSettings settings, Executor executor, Timer timer, LongSupplier clock) {
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.waits = settings.whenFull() == OverloadSettings.WhenFull.WAIT;
    this.maxWaitNanos = settings.maxWait().toNanos();
    this.executor = executor;
    this.timer = timer;
    this.clock = clock;
  }

  /**
   * Sends the call with {@code send} now if it is admitted, later if it waits, or never if it is
   * refused; the stage returned completes as the sent one does (unwrapped, after the call's place
   * was freed), or fails with {@link StorageOverloadedException}.
   *
   * @param bytes the chunk or block bytes it carries, at most the settings' byte limits
   * @param send sends the call; never throws (if it does, that is the call's failure)
   */
  <T> CompletionStage<T> call(long bytes, Supplier<CompletionStage<T>> send) {
    if (waiting.get() == 0 && acquire(inFlight, bytes, settings.maxCallsInFlight(), settings.maxBytesInFlight())) {
      return relay(bytes, send, new CompletableFuture<>());
    }
    if (!waits) {
      return refuse("calls in flight reached their limit");
    }
    if (!acquire(waiting, bytes, settings.maxCallsWaiting(), settings.maxBytesWaiting())) {
      return refuse("calls in flight and calls waiting both reached their limits");
    }
    waited.increment();
    Waiting<T> call = new Waiting<>(bytes, send, clock.getAsLong() + maxWaitNanos);
    queue.offer(call);
    requestDrain();
    return call.result;
  }

  /** Calls refused since the workspace opened. */
  public long refusedCalls() {
    return refused.sum();
  }

  /** Calls that had to wait (when-full = wait), admitted in the end or not. */
  public long waitedCalls() {
    return waited.sum();
  }

  public int callsInFlight() {
    return (int) (inFlight.get() >>> BYTE_BITS);
  }

  public long bytesInFlight() {
    return inFlight.get() & BYTE_MASK;
  }

  public int callsWaiting() {
    return (int) (waiting.get() >>> BYTE_BITS);
  }

  // ---------------------------------------------------------------------------------------------
  // The packed counters

  private static boolean acquire(AtomicLong counter, long bytes, int maxCalls, long maxBytes) {
    for (;;) {
      long state = counter.get();
      if ((state >>> BYTE_BITS) >= maxCalls || (state & BYTE_MASK) + bytes > maxBytes) {
        return false;
      }
      if (counter.compareAndSet(state, state + ONE_CALL + bytes)) {
        return true;
      }
    }
  }

  private static void release(AtomicLong counter, long bytes) {
    counter.addAndGet(-(ONE_CALL + bytes));
  }

  // ---------------------------------------------------------------------------------------------
  // Sending, answering, refusing

  /** Sends an admitted call; its answer frees its place, then completes {@code result}. */
  private <T> CompletableFuture<T> relay(long bytes, Supplier<CompletionStage<T>> send, CompletableFuture<T> result) {
    CompletionStage<T> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((value, error) -> {
      release(inFlight, bytes);
      if (waiting.get() != 0) {
        requestDrain();
      }
      if (error != null) {
        result.completeExceptionally(StatusReplies.unwrap(error));
      } else {
        result.complete(value);
      }
    });
    return result;
  }

  private <T> CompletableFuture<T> refuse(String why) {
    refused.increment();
    String message = "workspace '" + workspaceId + "' is overloaded: " + why + " (stowage.overload: "
        + callsInFlight() + " of max-calls-in-flight = " + settings.maxCallsInFlight() + ", "
        + bytesInFlight() + " of max-bytes-in-flight = " + settings.maxBytesInFlight() + " bytes"
        + (waits ? ", " + callsWaiting() + " of max-calls-waiting = " + settings.maxCallsWaiting() : "")
        + "); nothing was sent, retry once fewer calls are in flight";
    CallRefusedEvent.record(workspaceId, why, callsInFlight(), bytesInFlight(), 0);
    return CompletableFuture.failedFuture(new StorageOverloadedException(message));
  }

  private void expire(Waiting<?> call, long now) {
    refused.increment();
    Duration waitedFor = Duration.ofNanos(now - call.deadline + maxWaitNanos);
    CallRefusedEvent.record(workspaceId, "waited max-wait", callsInFlight(), bytesInFlight(), waitedFor.toNanos());
    call.result.completeExceptionally(new StorageOverloadedException("workspace '" + workspaceId + "' is overloaded:"
        + " the call waited " + waitedFor.toMillis() + " ms (stowage.overload.max-wait = "
        + settings.maxWait().toMillis() + " ms) without a place in flight coming free (" + callsInFlight()
        + " of max-calls-in-flight = " + settings.maxCallsInFlight() + "); nothing was sent, retry once fewer calls"
        + " are in flight"));
  }

  // ---------------------------------------------------------------------------------------------
  // The queue of waiting calls

  private void requestDrain() {
    if (drains.getAndIncrement() == 0) {
      try {
        executor.execute(drain);
      } catch (RejectedExecutionException e) { // the actor system is terminating: drain here
        drain();
      }
    }
  }

  /** Goes round until no drain was requested meanwhile; only one runs at a time. */
  private void drain() {
    int requested = drains.get();
    for (;;) {
      drainOnce();
      requested = drains.addAndGet(-requested);
      if (requested == 0) {
        return;
      }
    }
  }

  private void drainOnce() {
    long now = clock.getAsLong();
    Waiting<?> head;
    while ((head = queue.peek()) != null) {
      if (now - head.deadline >= 0) {
        queue.poll();
        release(waiting, head.bytes);
        expire(head, now);
      } else if (acquire(inFlight, head.bytes, settings.maxCallsInFlight(), settings.maxBytesInFlight())) {
        queue.poll();
        head.send();
        release(waiting, head.bytes); // only now: until it was sent, later calls queued behind it
      } else {
        break;
      }
    }
    if (head != null && !timerSet) {
      timerSet = true;
      try {
        timer.schedule(Math.max(0, head.deadline - now), expiry);
      } catch (IllegalStateException e) { // the scheduler has stopped with the actor system
        timerSet = false;
      }
    }
  }

  private void onExpiryTimer() {
    timerSet = false;
    requestDrain();
  }

  /** A call waiting for admission. */
  private final class Waiting<T> {
    final long bytes;
    final Supplier<CompletionStage<T>> send;
    final long deadline;
    final CompletableFuture<T> result = new CompletableFuture<>();

    Waiting(long bytes, Supplier<CompletionStage<T>> send, long deadline) {
      this.bytes = bytes;
      this.send = send;
      this.deadline = deadline;
    }

    void send() {
      relay(bytes, send, result);
    }
  }
}
