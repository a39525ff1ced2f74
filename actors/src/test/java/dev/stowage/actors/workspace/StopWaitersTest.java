package dev.stowage.actors.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StopWaitersTest {
  @Test
  void aWaiterIsDoneWhenTheLastOfItsEntitiesStopsAndOnlyThen() {
    StopWaiters<String, String> waiters = new StopWaiters<>();
    assertThat(waiters.await(new HashSet<>(Set.of("a", "b")), "first")).isTrue();
    assertThat(waiters.await(new HashSet<>(Set.of("b")), "second")).isTrue();

    assertThat(waiters.stopped("b")).containsExactly("second");
    assertThat(waiters.stopped("c")).as("an entity nobody waits for").isEmpty();
    assertThat(waiters.stopped("a")).containsExactly("first");
    assertThat(waiters.takeAll()).isEmpty();
  }

  @Test
  void nothingToWaitForKeepsNoWaiter() {
    StopWaiters<String, String> waiters = new StopWaiters<>();

    assertThat(waiters.await(new HashSet<>(), "none")).isFalse();
    assertThat(waiters.takeAll()).isEmpty();
  }

  @Test
  void takeAllHandsOverEveryWaiterStillWaiting() {
    StopWaiters<String, String> waiters = new StopWaiters<>();
    waiters.await(new HashSet<>(Set.of("a")), "first");
    waiters.await(new HashSet<>(Set.of("a", "b")), "second");

    assertThat(waiters.takeAll()).containsExactly("first", "second");
    assertThat(waiters.stopped("a")).isEmpty();
  }
}
