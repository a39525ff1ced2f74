package dev.stowage.cluster;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.HealthEndpoint;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stowage's readiness check in cluster mode through Pekko Management's {@code /ready}: a node of its
 * own reaches the test PostgreSQL through a {@link CuttableLink}, so that cutting it disturbs no
 * other test.
 */
class ClusterReadinessTest {
  private static final Duration WITHIN = Duration.ofSeconds(30);

  @TempDir Path base;

  @Test
  @DisplayName("INV-6: not ready while PostgreSQL is unreachable and while a workspace that failed meanwhile is open; ready once it is back and that workspace closed; with no workspace open PostgreSQL is not asked")
  void notReadyWhilePostgresIsUnreachable() throws Exception {
    TestPostgres.requireReachable();
    InetSocketAddress database = TestPostgres.address();
    try (CuttableLink link = new CuttableLink(database.getHostString(), database.getPort());
        TestCluster cluster = new TestCluster(1, base, TestPostgres.configVia(link.port()) + HealthEndpoint.CONFIG
            + "stowage.cluster.connection-timeout = 1s\n"
            + "jdbc-durable-state-store.slick.db.connectionTimeout = 1000\n")) {
      ActorSystem<Void> node = cluster.node(0);
      HealthEndpoint endpoint = HealthEndpoint.start(node);
      String workspace = "ready-" + UUID.randomUUID();
      WorkspaceStorage storage = result(Stowage.open(node, workspace, LocalKey.generate()));
      EntryId id = EntryId.random();
      result(storage.setManifest(id, folder(id)));
      assertThat(endpoint.ready().ok()).as("ready with a healthy workspace and PostgreSQL up").isTrue();

      link.cut();
      HealthEndpoint.Answer down = await(endpoint, "PostgreSQL reported unreachable",
          answer -> answer.body().contains("PostgreSQL is unreachable"));
      assertThat(down.status()).isEqualTo(500);
      assertThat(endpoint.alive().ok()).as("liveness: Stowage registers no liveness check").isTrue();

      // a chunk write PostgreSQL does not take fails the workspace on this node (INV-6)
      assertThat(failure(storage.setChunk(ChunkId.random(), new byte[16]))).isInstanceOf(StorageFailedException.class);
      link.restore();
      HealthEndpoint.Answer failed = await(endpoint, "PostgreSQL back, the failed workspace still reported",
          answer -> !answer.body().contains("PostgreSQL is unreachable"));
      assertThat(failed.status()).isEqualTo(500);
      assertThat(failed.body()).contains("workspace '" + workspace + "' has failed");

      assertThat(failure(storage.close())).isInstanceOf(StorageFailedException.class);
      assertThat(endpoint.ready().ok()).as("ready once the failed workspace is closed").isTrue();
      link.cut();
      assertThat(endpoint.ready().ok()).as("no workspace open on the node: PostgreSQL is not asked").isTrue();
      link.restore();
    }
  }

  private static FolderManifest folder(EntryId id) {
    return new FolderManifest(id, id, 0, false, Instant.EPOCH, Map.of());
  }

  /** Asks {@code /ready} until its answer satisfies {@code condition}; returns that answer. */
  private static HealthEndpoint.Answer await(HealthEndpoint endpoint, String what,
      Predicate<HealthEndpoint.Answer> condition) throws InterruptedException {
    HealthEndpoint.Answer[] last = new HealthEndpoint.Answer[1];
    try {
      TestCluster.await(what, WITHIN, () -> condition.test(last[0] = endpoint.ready()));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the last answer: " + last[0], e);
    }
    return last[0];
  }
}
