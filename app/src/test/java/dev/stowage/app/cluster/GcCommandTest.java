package dev.stowage.app.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.CliRun;
import dev.stowage.app.ExitCodes;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stowage gc} against the local PostgreSQL of the cluster tests (started by the cluster
 * module's tests, or {@code bash .ci/postgres.sh}).
 */
class GcCommandTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/stowage_test";

  @TempDir Path dir;

  private Path config(String url) throws IOException {
    return Files.writeString(dir.resolve("gc.conf"),
        "jdbc-durable-state-store.slick.db { url = \"" + url + "\", user = stowage, password = stowage }\n"
            + "stowage.cluster.connection-timeout = 2s\n");
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
    Path config = config(URL);
    Path key = key();
    // Creates the schema if this is the first use of the database.
    CliRun first = CliRun.of("gc", "--config", config.toString(),
        "--workspace", workspace, "--key-file", key.toString());
    assertThat(first.exitCode()).as("%s", first).isEqualTo(ExitCodes.OK);
    UUID orphan = UUID.randomUUID();
    try (Connection db = connect();
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
    try (Connection db = connect();
        PreparedStatement count = db.prepareStatement("SELECT count(*) FROM stowage_chunks WHERE workspace_id = ?")) {
      count.setString(1, workspace);
      try (var rows = count.executeQuery()) {
        rows.next();
        assertThat(rows.getInt(1)).isZero();
      }
    }
  }

  @Test
  void anUnreachableDatabaseIsAClearError() throws Exception {
    CliRun gc = CliRun.of("gc", "--config",
        config("jdbc:postgresql://127.0.0.1:1/none").toString(), "--workspace", "w", "--key-file", key().toString());

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err()).contains("stowage gc: StorageFailedException").doesNotContain("\tat ");
  }

  @Test
  void aWorkspaceIsRequired() throws Exception {
    CliRun gc = CliRun.of("gc", "--key-file", key().toString());

    assertThat(gc.exitCode()).as("%s", gc).isEqualTo(ExitCodes.ERROR);
    assertThat(gc.err()).contains("--workspace is required");
  }

  private static Connection connect() throws SQLException {
    try {
      return DriverManager.getConnection(URL, "stowage", "stowage");
    } catch (SQLException e) {
      throw new SQLException("needs the local PostgreSQL of the cluster tests: run `bash .ci/postgres.sh`", e);
    }
  }
}
