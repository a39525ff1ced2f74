package dev.stowage.cluster;

import dev.stowage.actors.LinearizabilityContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@link LinearizabilityContract} in cluster mode, on a one-node cluster over the test PostgreSQL:
 * with local mode's rows ({@code LinearizabilityTest}) these two make the set pairwise over mode
 * too (every value of every setting runs in both modes).
 */
class ClusterLinearizabilityTest extends LinearizabilityContract {
  private Path base;
  private TestCluster cluster;

  @BeforeAll
  void startCluster() throws IOException {
    TestPostgres.requireReachable();
    base = Files.createTempDirectory("stowage-cluster-lin");
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
  protected Stream<Arguments> matrix() {
    return Stream.concat(Stream.of(
        Arguments.of(17L, "cache.max-dirty = 3"),
        Arguments.of(31337L, "entity.passivate-after = 1ms, entity.max-active = 1, cache.max-dirty = 1,"
            + " durability = full, group-commit.max-batch = 1")),
        fullProductIfAsked(5));
  }
}
