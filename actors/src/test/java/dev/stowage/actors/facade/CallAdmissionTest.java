package dev.stowage.actors.facade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.OverloadSettings.WhenFull;
import dev.stowage.actors.OverloadSettings;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.StorageOverloadedException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link CallAdmission} on its own: the limits of calls and bytes in flight, what a call meets past
 * them in each mode, the bounded queue of waiting calls, its order and its deadline. Drains run on
 * a hand-driven executor and deadlines on a hand-driven clock and timer, so every interleaving
 * here is forced, none waited for.
 */
class CallAdmissionTest {
  private static final Duration MAX_WAIT = Duration.ofSeconds(5);

  /** Drains requested and not yet run. */
  private final Queue<Runnable> drains = new ArrayDeque<>();
  private final List<Runnable> timers = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000);
  private ExecutorService pool;

  @AfterEach
  void stopPool() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  private CallAdmission admission(WhenFull whenFull, int maxCalls, long maxBytes, int maxWaiting, long maxBytesWaiting) {
    OverloadSettings settings = new OverloadSettings(maxCalls, maxBytes, whenFull, MAX_WAIT, maxWaiting, maxBytesWaiting);
    return new CallAdmission("ws", settings, drains::add, (delay, task) -> timers.add(task), now::get);
  }

  private void runDrains() {
    while (!drains.isEmpty()) {
      drains.poll().run();
    }
  }

  /** A call whose answer the test gives by hand; records whether it was sent. */
  private static final class Call implements Supplier<CompletionStage<String>> {
    final CompletableFuture<String> answer = new CompletableFuture<>();
    final List<Call> sends;
    boolean sent;

    Call(List<Call> sends) {
      this.sends = sends;
    }

    @Override
    public CompletionStage<String> get() {
      sent = true;
      sends.add(this);
      return answer;
    }
  }

  private final List<Call> sent = new ArrayList<>();

  private Call call() {
    return new Call(sent);
  }

  private static Throwable failure(CompletionStage<?> stage) {
    CompletableFuture<?> future = stage.toCompletableFuture();
    assertThat(future).as("completed").isDone();
    try {
      future.get();
      throw new AssertionError("expected a failure, got " + future.join());
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void failModeAdmitsUpToTheCallLimitThenRefusesAtOnceSendingNothing() {
    CallAdmission admission = admission(WhenFull.FAIL, 2, 1 << 20, 1, 1 << 20);
    Call first = call();
    Call second = call();
    Call third = call();

    CompletionStage<String> a = admission.call(0, first);
    CompletionStage<String> b = admission.call(0, second);
    CompletionStage<String> c = admission.call(0, third);

    assertThat(first.sent).isTrue();
    assertThat(second.sent).isTrue();
    assertThat(third.sent).isFalse();
    assertThat(a.toCompletableFuture()).isNotDone();
    assertThat(b.toCompletableFuture()).isNotDone();
    assertThat(failure(c)).isInstanceOf(StorageOverloadedException.class)
        .hasMessageContaining("workspace 'ws'").hasMessageContaining("max-calls-in-flight = 2");
    assertThat(admission.callsInFlight()).isEqualTo(2);
    assertThat(admission.refusedCalls()).isEqualTo(1);
    assertThat(admission.waitedCalls()).isZero();
  }

  @Test
  void theByteLimitCountsPayloadsIndependentlyOfTheCallLimit() {
    CallAdmission admission = admission(WhenFull.FAIL, 10, 100, 1, 100);

    CompletionStage<String> sixty = admission.call(60, call());
    CompletionStage<String> fifty = admission.call(50, call());
    CompletionStage<String> forty = admission.call(40, call());
    CompletionStage<String> none = admission.call(0, call());

    assertThat(sixty.toCompletableFuture()).isNotDone();
    assertThat(failure(fifty)).isInstanceOf(StorageOverloadedException.class).hasMessageContaining("max-bytes-in-flight = 100");
    assertThat(forty.toCompletableFuture()).isNotDone();
    assertThat(none.toCompletableFuture()).as("a call without payload still fits").isNotDone();
    assertThat(admission.bytesInFlight()).isEqualTo(100);
    assertThat(admission.callsInFlight()).isEqualTo(3);
  }

  @Test
  void aPlaceIsFreedBeforeTheCallerHearsOfTheAnswerHoweverTheCallEnds() {
    CallAdmission admission = admission(WhenFull.FAIL, 1, 100, 1, 100);
    Call failing = call();
    EntryMissingException missing = EntryMissingException.chunk(dev.stowage.protocol.ChunkId.random());
    AtomicInteger inFlightWhenAnswered = new AtomicInteger(-1);

    CompletionStage<String> stage = admission.call(30, failing);
    stage.whenComplete((value, error) -> inFlightWhenAnswered.set(admission.callsInFlight()));
    failing.answer.completeExceptionally(missing);

    assertThat(failure(stage)).as("the failure, unwrapped").isSameAs(missing);
    assertThat(inFlightWhenAnswered).hasValue(0);
    assertThat(admission.bytesInFlight()).isZero();

    CompletionStage<String> thrown = admission.call(100, () -> {
      throw new IllegalStateException("the send broke");
    });
    assertThat(failure(thrown)).isInstanceOf(IllegalStateException.class);
    assertThat(admission.callsInFlight()).isZero();

    Call next = call();
    CompletionStage<String> admitted = admission.call(100, next);
    next.answer.complete("done");
    assertThat(admitted.toCompletableFuture().join()).isEqualTo("done");
    assertThat(admission.refusedCalls()).isZero();
  }

  @Test
  void waitModeQueuesUpToItsBoundThenRefusesAtOnce() {
    CallAdmission admission = admission(WhenFull.WAIT, 1, 1 << 20, 2, 1 << 20);
    Call inFlight = call();
    Call firstWaiting = call();
    Call secondWaiting = call();
    Call pastTheQueue = call();

    admission.call(0, inFlight);
    CompletionStage<String> one = admission.call(0, firstWaiting);
    CompletionStage<String> two = admission.call(0, secondWaiting);
    CompletionStage<String> three = admission.call(0, pastTheQueue);
    runDrains();

    assertThat(one.toCompletableFuture()).isNotDone();
    assertThat(two.toCompletableFuture()).isNotDone();
    assertThat(failure(three)).isInstanceOf(StorageOverloadedException.class).hasMessageContaining("max-calls-waiting = 2");
    assertThat(sent).containsExactly(inFlight);
    assertThat(admission.callsWaiting()).isEqualTo(2);
    assertThat(admission.waitedCalls()).isEqualTo(2);
    assertThat(admission.refusedCalls()).isEqualTo(1);
  }

  @Test
  void waitingBytesAreBoundedToo() {
    CallAdmission admission = admission(WhenFull.WAIT, 1, 100, 10, 100);
    admission.call(100, call());

    CompletionStage<String> seventy = admission.call(70, call());
    CompletionStage<String> forty = admission.call(40, call());

    assertThat(seventy.toCompletableFuture()).isNotDone();
    assertThat(failure(forty)).isInstanceOf(StorageOverloadedException.class);
  }

  @Test
  @DisplayName("Waiting calls are admitted first come, first served, one per place freed")
  void waitingCallsAreAdmittedInTheOrderTheyCame() {
    CallAdmission admission = admission(WhenFull.WAIT, 1, 1 << 20, 10, 1 << 20);
    Call a = call();
    Call b = call();
    Call c = call();
    Call d = call();
    admission.call(0, a);
    CompletionStage<String> stageB = admission.call(0, b);
    admission.call(0, c);
    admission.call(0, d);
    runDrains();
    assertThat(sent).containsExactly(a);

    a.answer.complete("a");
    runDrains();
    assertThat(sent).containsExactly(a, b);
    b.answer.complete("b");
    runDrains();
    assertThat(sent).containsExactly(a, b, c);
    c.answer.complete("c");
    runDrains();
    assertThat(sent).containsExactly(a, b, c, d);
    assertThat(stageB.toCompletableFuture().join()).isEqualTo("b");
  }

  @Test
  @DisplayName("While a call waits, a later one queues behind it even if a place is free: one caller's calls keep their order")
  void aLaterCallNeverOvertakesAWaitingOne() {
    CallAdmission admission = admission(WhenFull.WAIT, 1, 1 << 20, 10, 1 << 20);
    Call first = call();
    Call waiting = call();
    Call later = call();
    admission.call(0, first);
    admission.call(0, waiting);
    runDrains();

    first.answer.complete("first"); // a place is free, the drain that fills it has not run yet
    admission.call(0, later);
    assertThat(sent).as("the later call did not take the free place").containsExactly(first);

    runDrains();
    assertThat(sent).containsExactly(first, waiting);
    waiting.answer.complete("waiting");
    runDrains();
    assertThat(sent).containsExactly(first, waiting, later);
  }

  @Test
  void aCallThatWaitedMaxWaitFailsAndIsNeverSent() {
    CallAdmission admission = admission(WhenFull.WAIT, 1, 1 << 20, 10, 1 << 20);
    Call inFlight = call();
    Call expiring = call();
    Call laterOne = call();
    admission.call(0, inFlight);
    CompletionStage<String> waited = admission.call(0, expiring);
    runDrains();
    assertThat(timers).as("one timer, for the head's deadline").hasSize(1);

    now.addAndGet(MAX_WAIT.toNanos() / 2);
    CompletionStage<String> later = admission.call(0, laterOne);
    runDrains();
    assertThat(timers).as("still one timer").hasSize(1);

    now.addAndGet(MAX_WAIT.toNanos() / 2);
    timers.remove(0).run();
    runDrains();

    assertThat(failure(waited)).isInstanceOf(StorageOverloadedException.class)
        .hasMessageContaining("max-wait = 5000 ms").hasMessageContaining("waited 5000 ms");
    assertThat(later.toCompletableFuture()).as("its deadline is later").isNotDone();
    assertThat(timers).as("set again, for the new head").hasSize(1);

    inFlight.answer.complete("done");
    runDrains();
    assertThat(sent).containsExactly(inFlight, laterOne);
    assertThat(expiring.sent).isFalse();
    assertThat(admission.callsWaiting()).isZero();
    assertThat(admission.refusedCalls()).isEqualTo(1);
  }

  @Test
  @DisplayName("Under concurrent callers and answers, calls in flight never exceed the limit, and every call ends answered or refused")
  void concurrentCallersNeverExceedTheLimitAndEveryCallEnds() throws Exception {
    pool = Executors.newFixedThreadPool(4);
    int maxCalls = 8;
    for (WhenFull mode : WhenFull.values()) {
      OverloadSettings settings = new OverloadSettings(maxCalls, 1 << 20, mode, Duration.ofMinutes(1), 16, 1 << 20);
      CallAdmission admission = new CallAdmission("ws", settings, pool, (delay, task) -> { }, System::nanoTime);
      AtomicInteger outstanding = new AtomicInteger();
      AtomicInteger peak = new AtomicInteger();
      List<CompletableFuture<String>> stages = java.util.Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<?>> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        callers.add(CompletableFuture.runAsync(() -> {
          Random random = new Random(seed);
          for (int i = 0; i < 5_000; i++) {
            stages.add(admission.call(random.nextInt(1000), () -> {
              peak.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
              CompletableFuture<String> answer = new CompletableFuture<>();
              pool.execute(() -> {
                outstanding.decrementAndGet();
                answer.complete("ok");
              });
              return answer;
            }).toCompletableFuture());
          }
        }, pool));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(60, TimeUnit.SECONDS);

      long refused = stages.stream().filter(CompletableFuture::isCompletedExceptionally).count();
      assertThat(peak.get()).as(mode + ": most calls sent and not yet answered").isLessThanOrEqualTo(maxCalls);
      assertThat(refused).as(mode + ": refused").isEqualTo(admission.refusedCalls());
      assertThat(stages).hasSize(20_000).allMatch(CompletableFuture::isDone);
      assertThat(admission.callsInFlight()).isZero();
      assertThat(admission.bytesInFlight()).isZero();
      assertThat(admission.callsWaiting()).isZero();
    }
  }
}
