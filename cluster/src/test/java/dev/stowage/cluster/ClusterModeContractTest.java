package dev.stowage.cluster;

import dev.stowage.actors.WorkspaceStorageContract;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
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

  @Override
  protected ActorSystem<?> system() {
    return cluster.node(0);
  }

  @Override
  protected Path baseDir() {
    return base.resolve("node0");
  }
}
