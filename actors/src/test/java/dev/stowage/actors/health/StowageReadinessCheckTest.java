package dev.stowage.actors.health;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.StorageFailedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The readiness check over a registry of its own, without Pekko Management or an ActorSystem
 * ({@code ReadinessEndpointTest} asks it through Pekko Management's HTTP endpoint).
 */
class StowageReadinessCheckTest {
  private final OpenWorkspaces registry = new OpenWorkspaces();
  private final StowageReadinessCheck check = new StowageReadinessCheck(registry);

  @Test
  void readyWhenNoWorkspaceIsOpenAndTheStoresAreNotAsked() {
    AtomicInteger asked = new AtomicInteger();
    registry.dependsOn("PostgreSQL", () -> {
      asked.incrementAndGet();
      return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
    });

    assertThat(result(check.get())).isTrue();
    assertThat(asked).hasValue(0);
  }

  @Test
  void readyWhileEveryOpenWorkspaceIsHealthyAndEveryStoreAnswers() {
    registry.opened("/ws/a", "a", new WorkspaceHealth());
    registry.opened("/ws/b", "b", new WorkspaceHealth());
    registry.dependsOn("PostgreSQL", () -> CompletableFuture.completedFuture(Done.getInstance()));

    assertThat(result(check.get())).isTrue();
  }

  @Test
  @DisplayName("INV-6: not ready while an open workspace has failed; the failure names the workspace and its cause")
  void notReadyWhileAnOpenWorkspaceHasFailed() {
    WorkspaceHealth failing = new WorkspaceHealth();
    registry.opened("/ws/a", "a", new WorkspaceHealth());
    registry.opened("/ws/full", "full", failing);

    failing.record(new StorageFailedException("database or disk is full"));

    assertThat(failure(check.get())).isInstanceOf(StowageNotReadyException.class)
        .hasMessageContaining("workspace 'full' has failed (database or disk is full)")
        .message().doesNotContain("'a'");
  }

  @Test
  void readyAgainOnceTheFailedWorkspaceIsClosed() {
    WorkspaceHealth failing = new WorkspaceHealth();
    registry.opened("/ws/full", "full", failing);
    failing.record(new StorageFailedException("database or disk is full"));

    registry.closed("/ws/full", failing);

    assertThat(result(check.get())).isTrue();
    assertThat(registry.workspaces()).isEmpty();
  }

  @Test
  void aLaterOpenOfTheWorkspaceTakesThePlaceOfItsFailedOneAndOutlivesItsClose() {
    WorkspaceHealth failed = new WorkspaceHealth();
    registry.opened("/ws/full", "full", failed);
    failed.record(new StorageFailedException("database or disk is full"));

    WorkspaceHealth reopened = new WorkspaceHealth();
    registry.opened("/ws/full", "full", reopened);
    assertThat(result(check.get())).isTrue();

    registry.closed("/ws/full", failed); // the failed supervisor closes late: the reopened workspace stays
    assertThat(registry.workspaces()).extracting(OpenWorkspaces.Workspace::health).containsExactly(reopened);
  }

  @Test
  void notReadyWhileAStoreDoesNotAnswerNamingItAndWhy() {
    registry.opened("/ws/a", "a", new WorkspaceHealth());
    registry.dependsOn("PostgreSQL", () -> CompletableFuture.failedFuture(new IllegalStateException("connection refused")));

    assertThat(failure(check.get())).isInstanceOf(StowageNotReadyException.class)
        .hasMessageContaining("PostgreSQL is unreachable: connection refused");
  }

  @Test
  void aProbeThatThrowsIsReportedNotThrown() {
    registry.opened("/ws/a", "a", new WorkspaceHealth());
    registry.dependsOn("PostgreSQL", () -> {
      throw new IllegalStateException("no pool");
    });

    assertThat(failure(check.get())).hasMessageContaining("PostgreSQL is unreachable: no pool");
  }

  @Test
  void everyReasonIsReportedTogether() {
    WorkspaceHealth failing = new WorkspaceHealth();
    registry.opened("/ws/full", "full", failing);
    failing.record(new StorageFailedException("database or disk is full"));
    registry.dependsOn("PostgreSQL", () -> CompletableFuture.failedFuture(new IllegalStateException("connection refused")));

    assertThat(failure(check.get())).hasMessageContaining("workspace 'full' has failed")
        .hasMessageContaining("PostgreSQL is unreachable");
  }
}
