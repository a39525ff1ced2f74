package dev.stowage.app.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.CliRun;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stowage demo --cluster 3} as it runs on a machine with no database configured or
 * installed: the demo starts an embedded PostgreSQL for the run, three nodes form on 127.0.0.1, the
 * workload runs through all of them, entities spread over them, and the final check passes.
 */
class ClusterDemoTest {
  @Test
  void theDemoRunsOnAThreeNodeCluster(@TempDir Path dir) throws IOException {
    Path small = Files.writeString(dir.resolve("small.conf"), """
        stowage {
          cache-size = 1 MiB
          block-size = 64 KiB
          demo { files-per-editor = 4, chunks-per-file = 2, chunk-size = 4 KiB, ensure-every = 5 }
        }
        """);

    CliRun run = CliRun.of("demo", "--cluster", "3", "--dir", dir.resolve("data").toString(), "--config",
        small.toString(), "--workspace", "demo-" + UUID.randomUUID(), "--no-progress", "--editors", "3",
        "--edits", "15", "--readers", "3", "--reads", "15", "--block-fill", "1.5");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("database: an embedded PostgreSQL on 127.0.0.1:", "through 3 cluster nodes")
        .containsPattern("shards: +manifest entities hosted per node after the run: \\[\\d+, \\d+, \\d+\\]")
        .containsPattern("change feed: +[\\d,]+ manifest changes, [\\d,]+ chunks promoted, [\\d,]+ backlog updates,"
            + " 0 missed; it ended with WorkspaceClosed")
        .contains("final check:    PASSED")
        .contains("node folders:   removed " + dir.resolve("data/node-0") + " .. node-2 (the nodes' block caches)");
    try (Stream<Path> left = Files.list(dir.resolve("data"))) {
      assertThat(left.map(path -> path.getFileName().toString())).as("only the key is left")
          .containsExactly(KeyFileOption.KEY_FILE_NAME);
    }
  }

  @Test
  void aClusterOfNoNodesIsRefused(@TempDir Path dir) {
    CliRun run = CliRun.of("demo", "--cluster", "0", "--dir", dir.toString(), "--no-progress");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("--cluster must be between 1 and 9");
  }
}
