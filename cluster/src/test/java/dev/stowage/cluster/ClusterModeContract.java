package dev.stowage.cluster;

import dev.stowage.actors.WorkspaceStorageContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The façade contract ({@link WorkspaceStorageContract}) in cluster mode: a one-node cluster on
 * 127.0.0.1 over the test PostgreSQL, started once per class. Each test opens a workspace of its
 * own, so the settings of {@link #configuration()} apply to it from its first open on the node
 * (entity.max-active is its shard region's active-entity limit).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterModeContract extends WorkspaceStorageContract {
  /** The nodes' base directories: made here, as a {@code @TempDir} field is not yet set in {@code @BeforeAll}. */
  private Path base;
  private TestCluster cluster;

  @BeforeAll
  void startCluster() throws IOException {
    TestPostgres.requireReachable();
    base = Files.createTempDirectory("stowage-cluster-contract");
    cluster = new TestCluster(1, base, "");
  }

  @AfterAll
  void stopCluster() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    try (Stream<Path> paths = Files.walk(base)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
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
