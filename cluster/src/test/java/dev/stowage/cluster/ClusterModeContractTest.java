package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.WorkspaceStorageContract;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The façade contract of SPEC section 6 ({@link WorkspaceStorageContract}, the same tests local
 * mode runs) in cluster mode: a one-node cluster on 127.0.0.1 over the test PostgreSQL.
 */
@DisplayName("WorkspaceStorage in cluster mode (PostgreSQL)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterModeContractTest extends WorkspaceStorageContract {
  @TempDir static Path base;
  private TestCluster cluster;

  @BeforeAll
  void startCluster() {
    TestPostgres.requireReachable();
    cluster = new TestCluster(1, base, "");
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("entity.max-active bounds a workspace's entities on a node: Cluster Sharding's active entity limit, least recently used passivated (flushing)")
  void maxActiveIsTheShardsActiveEntityLimit() throws Exception {
    WorkspaceStorage storage = open("stowage.entity.max-active = 5");
    List<EntryId> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      EntryId id = EntryId.random();
      ids.add(id);
      storage.setManifest(id, folder(id, true, i), true, Set.of()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // The shard passivates past the limit as entities start; their stops reach the supervisor after.
    TestProbe.create(system()).awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(stats(storage).liveEntities()).isLessThanOrEqualTo(5);
      return null;
    });
    for (int i = 0; i < ids.size(); i++) { // the passivated ones flushed their cache-only values first
      LocalManifest read = storage.getManifest(ids.get(i)).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(read.baseVersion()).isEqualTo(i);
    }
    storage.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static StorageStats stats(WorkspaceStorage storage) {
    try {
      return storage.stats().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("stats failed", e);
    }
  }

  @Override
  protected ActorSystem<?> system() {
    return cluster.node(0);
  }

  @Override
  protected Path baseDir() {
    return base.resolve("node0");
  }
}
