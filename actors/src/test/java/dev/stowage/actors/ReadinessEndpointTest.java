package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stowage's readiness check in local mode as an orchestrator sees it: Pekko Management's {@code
 * /ready} and {@code /alive}, with the check loaded from stowage-actors's reference.conf. The tests
 * share one ActorSystem and run one after another, each leaving every workspace it opened closed.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadinessEndpointTest {
  private static final Duration FAILS_WITHIN = Duration.ofSeconds(10);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ConfigFactory.parseString(HealthEndpoint.CONFIG).withFallback(ConfigFactory.load("application-test")))
      .build();

  @TempDir Path base;

  private HealthEndpoint endpoint;

  @BeforeAll
  void startEndpoint() {
    endpoint = HealthEndpoint.start(testKit.system());
  }

  @Test
  void readyAndAliveWithAHealthyOpenWorkspace() {
    WorkspaceStorage storage = open("healthy", LocalKey.generate());
    write(storage);

    assertThat(endpoint.ready().ok()).isTrue();
    assertThat(endpoint.alive().ok()).isTrue();
    result(storage.close());
  }

  @Test
  @DisplayName("INV-6: a failed workspace makes the node not ready, naming it and why, until it is closed; liveness is not affected")
  void aFailedWorkspaceIsNotReadyUntilClosed() {
    WorkspaceStorage healthy = open("beside", LocalKey.generate());
    WorkspaceStorage failing = open("failing", LocalKey.generate());
    fail(failing);

    awaitReady(false);
    HealthEndpoint.Answer answer = endpoint.ready();
    assertThat(answer.status()).isEqualTo(500);
    assertThat(answer.body()).contains("Stowage is not ready: workspace 'failing' has failed").contains("cannot be stored")
        .doesNotContain("'beside'");
    assertThat(endpoint.alive().ok()).as("liveness: Stowage registers no liveness check").isTrue();

    assertThat(failure(failing.close())).isInstanceOf(StorageFailedException.class);
    assertThat(endpoint.ready().ok()).as("ready once the failed workspace is closed").isTrue();
    result(healthy.close());
  }

  @Test
  void aFailedWorkspaceOpenedAgainIsReady() {
    LocalKey key = LocalKey.generate();
    WorkspaceStorage failed = open("reopened", key);
    fail(failed);
    awaitReady(false);

    // the registry forgets a failed workspace once its files are released; until then an open returns it
    AtomicReference<WorkspaceStorage> reopened = new AtomicReference<>();
    testKit.createTestProbe().awaitAssert(FAILS_WITHIN, () -> {
      reopened.set(open("reopened", key));
      write(reopened.get());
      return null;
    });

    assertThat(endpoint.ready().ok()).as("ready with the workspace opened again").isTrue();
    result(reopened.get().close());
    assertThat(failure(failed.close())).as("the old storage stays failed").isInstanceOf(StorageFailedException.class);
    assertThat(endpoint.ready().ok()).isTrue();
  }

  private WorkspaceStorage open(String workspaceId, LocalKey key) {
    return result(Stowage.open(testKit.system(), workspaceId, key, TestSettings.in(base)));
  }

  private static void write(WorkspaceStorage storage) {
    EntryId id = EntryId.random();
    result(storage.setManifest(id, new FolderManifest(id, id, 0, false, Instant.EPOCH, Map.of())));
  }

  /** What an entity reports when a value it accepted cannot be stored: the workspace fails (INV-6). */
  private static void fail(WorkspaceStorage storage) {
    EntryId id = EntryId.random();
    storage.supervisor().<Object>unsafeUpcast()
        .tell(new EntityHost.Unstorable(id, new StorageFailedException("manifest " + id + " cannot be stored")));
  }

  private void awaitReady(boolean ready) {
    testKit.createTestProbe().awaitAssert(FAILS_WITHIN, () -> {
      assertThat(endpoint.ready().ok()).isEqualTo(ready);
      return null;
    });
  }
}
