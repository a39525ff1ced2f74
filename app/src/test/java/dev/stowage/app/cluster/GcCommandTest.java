package dev.stowage.app.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.CliRun;
import dev.stowage.app.ExitCodes;
import dev.stowage.cluster.TestPostgres;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stowage gc} against the PostgreSQL of the cluster tests ({@link TestPostgres}). */
class GcCommandTest {
  @TempDir Path dir;

  /** A configuration file naming {@code database} (a {@code jdbc-durable-state-store.slick.db} block). */
  private Path config(String database) throws IOException {
    return Files.writeString(dir.resolve("gc.conf"), database + "stowage.cluster.connection-timeout = 2s\n");
  }

  private Path key() throws IOException {
    Path file = dir.resolve("gc.key");
    LocalKey.generate().save(file);
    return file;
  }

  @Test
  @DisplayName("INV-1: gc deletes a chunk no manifest references, once older than the grace period")
  void gcDeletesAnOrphanChunk() throws Exception {
    String workspace = "gc-" + UUID.randomUUID();
    Path config = config(TestPostgres.config());
    Path key = key();
    // Creates the schema if this is the first use of the database.
    CliRun first = CliRun.of("gc", "--config", config.toString(),
        "--workspace", workspace, "--key-file", key.toString());
    assertThat(first.exitCode()).as("%s", first).isEqualTo(ExitCodes.OK);
    UUID orphan = UUID.randomUUID();
    try (Connection db = TestPostgres.connect();
        PreparedStatement insert = db.prepareStatement(
            "INSERT INTO stowage_chunks (workspace_id, chunk_id, size, data, created_at)"
                + " VALUES (?, ?, 3, '\\x010203', now() - interval '2 hours')")) {
      insert.setString(1, workspace);
      insert.setObject(2, orphan);
      insert.executeUpdate();
    }

    CliRun gc = CliRun.of("gc", "--config", config.toString(),
        "--workspace", workspace, "--key-file", key.toString(), "--grace", "PT1H");

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.OK);
    assertThat(gc.out()).contains("gc: workspace '" + workspace + "': 0 manifests reference 0 chunks; 1 chunks older")
        .contains("1 deleted");
    try (Connection db = TestPostgres.connect();
        PreparedStatement count = db.prepareStatement("SELECT count(*) FROM stowage_chunks WHERE workspace_id = ?")) {
      count.setString(1, workspace);
      try (var rows = count.executeQuery()) {
        rows.next();
        assertThat(rows.getInt(1)).isZero();
      }
    }
  }

  @Test
  @DisplayName("gc on a closed port fails at its first connection, in one line naming the URL and --config, exit 3")
  void anUnreachableDatabaseIsAClearError() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closed + "/none";
    // The pool would wait a minute for a connection: only gc's own first connection can end it sooner.
    Path config = Files.writeString(dir.resolve("closed.conf"), "jdbc-durable-state-store.slick.db { url = \"" + url
        + "?password=secret\", user = u, password = p }\nstowage.cluster.connection-timeout = 60s\n");

    CliRun gc = CliRun.of("gc", "--config", config.toString(), "--workspace", "w", "--key-file", key().toString());

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err().lines()).as("%s", gc).hasSize(1).first().asString()
        .startsWith("stowage gc: cannot connect to the cluster's PostgreSQL at " + url + ": ")
        .contains("refused")
        .contains("gc needs --config FILE naming it in jdbc-durable-state-store.slick.db { url, user, password }")
        .doesNotContain("secret");
    assertThat(gc.out()).isEmpty();
  }

  @Test
  void aWorkspaceIsRequired() throws Exception {
    CliRun gc = CliRun.of("gc", "--key-file", key().toString());

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.USAGE);
    assertThat(gc.err()).contains("Missing required option: '--workspace=ID'");
  }
}
