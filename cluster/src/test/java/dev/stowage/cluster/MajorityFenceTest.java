package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.StorageUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link MajorityFence} without a cluster: what closing and opening do to calls sent before, in
 * flight, and after. {@code ProcessClusterFaultsTest} (module app) shows it on a real partition.
 */
class MajorityFenceTest {
  private final MajorityFence fence = new MajorityFence();

  @Test
  @DisplayName("open: calls go through, answered as sent")
  void openLetsCallsThrough() throws Exception {
    CompletableFuture<String> sent = new CompletableFuture<>();
    CompletionStage<String> guarded = fence.guard(sent);
    assertThat(fence.refusal()).isNull();
    sent.complete("value");
    assertThat(guarded.toCompletableFuture().get()).isEqualTo("value");
  }

  @Test
  @DisplayName("closing fails the calls in flight with an unknown outcome; later calls are refused, nothing sent")
  void closingFailsCallsInFlight() {
    CompletableFuture<String> inFlight = new CompletableFuture<>();
    CompletionStage<String> guarded = fence.guard(inFlight);
    fence.set("cut off");
    assertThat(guarded.toCompletableFuture()).isCompletedExceptionally();
    StorageUnavailableException failure = cause(guarded);
    assertThat(failure.outcomeUnknown()).isTrue();
    assertThat(failure.getMessage()).contains("cut off", "outcome is unknown");
    assertThat(fence.refusal()).isNotNull();
    assertThat(((StorageUnavailableException) fence.refusal()).outcomeUnknown()).isFalse();
    assertThat(fence.refusal().getMessage()).contains("cut off", "nothing was sent");
    // the late answer of the call already failed changes nothing
    inFlight.complete("late");
    assertThat(cause(guarded)).isSameAs(failure);
  }

  @Test
  @DisplayName("a call sent as the fence closes is failed too; reopening lets calls through again")
  void reopens() throws Exception {
    fence.set("cut off");
    CompletionStage<String> raced = fence.guard(new CompletableFuture<>());
    assertThat(cause(raced).outcomeUnknown()).isTrue();
    fence.set(null);
    assertThat(fence.refusal()).isNull();
    CompletableFuture<String> sent = new CompletableFuture<>();
    CompletionStage<String> guarded = fence.guard(sent);
    sent.complete("again");
    assertThat(guarded.toCompletableFuture().get()).isEqualTo("again");
  }

  private static StorageUnavailableException cause(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return (StorageUnavailableException) e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
