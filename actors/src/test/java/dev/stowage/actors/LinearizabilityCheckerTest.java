package dev.stowage.actors;

import static dev.stowage.actors.LinearizabilityChecker.ABSENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker of INV-17 must be able to fail: these histories are (not) linearizable by construction. */
class LinearizabilityCheckerTest {

  private static Op op(Kind kind, long invoke, long response, long value) {
    return new Op(kind, invoke, response, value, false);
  }

  @Test
  void aReadAfterACompletedWriteMustSeeIt() {
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_CACHE_ONLY, 0, 10, 1),
        op(Kind.GET, 20, 30, 1)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_CACHE_ONLY, 0, 10, 1),
        op(Kind.GET, 20, 30, ABSENT)))).isFalse();
  }

  @Test
  void aReadOverlappingAWriteMaySeeEitherValue() {
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_DURABLE, 0, 10, 1),
        op(Kind.SET_DURABLE, 20, 40, 2),
        op(Kind.GET, 25, 30, 1)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_DURABLE, 0, 10, 1),
        op(Kind.SET_DURABLE, 20, 40, 2),
        op(Kind.GET, 25, 30, 2)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_DURABLE, 0, 10, 1),
        op(Kind.SET_DURABLE, 20, 40, 2),
        op(Kind.GET, 45, 50, 1)))).isFalse();
  }

  @Test
  void discardingTheCacheMayOnlyRevealAStoredValue() {
    // A cache-only write, then a discard: the read may see the old stored value (1), or the
    // cache-only value (2) if Stowage flushed it on its own first; never a value never written.
    List<Op> base = List.of(
        op(Kind.SET_DURABLE, 0, 10, 1),
        op(Kind.SET_CACHE_ONLY, 20, 30, 2),
        op(Kind.CLEAR_CACHE_DISCARD, 40, 50, 0));
    assertThat(LinearizabilityChecker.linearizable(concat(base, op(Kind.GET, 60, 70, 1)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(concat(base, op(Kind.GET, 60, 70, 2)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(concat(base, op(Kind.GET, 60, 70, ABSENT)))).isFalse();
  }

  @Test
  void anEnsuredWriteSurvivesADiscard() {
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_CACHE_ONLY, 0, 10, 1),
        op(Kind.ENSURE, 20, 30, 0),
        op(Kind.CLEAR_CACHE_DISCARD, 40, 50, 0),
        op(Kind.GET, 60, 70, ABSENT)))).isFalse();
  }

  @Test
  void clearFailsOnlyWhenNothingIsThere() {
    assertThat(LinearizabilityChecker.linearizable(List.of(
        new Op(Kind.CLEAR, 0, 10, 0, true),
        op(Kind.SET_CACHE_ONLY, 20, 30, 1),
        op(Kind.CLEAR, 40, 50, 0),
        op(Kind.GET, 60, 70, ABSENT)))).isTrue();
    assertThat(LinearizabilityChecker.linearizable(List.of(
        op(Kind.SET_CACHE_ONLY, 0, 10, 1),
        new Op(Kind.CLEAR, 20, 30, 0, true)))).isFalse();
  }

  private static List<Op> concat(List<Op> ops, Op last) {
    return java.util.stream.Stream.concat(ops.stream(), java.util.stream.Stream.of(last)).toList();
  }
}
