package dev.stowage.cluster;

import static dev.stowage.cluster.TestPostgres.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * The database of the cluster tests when none is configured: the embedded PostgreSQL this JVM
 * started, committing as durably as a real server (the library's defaults do not).
 */
class TestPostgresTest {

  @Test
  void withNothingConfiguredTheTestsUseAnEmbeddedServerThatCommitsDurably() throws Exception {
    assumeFalse(TestPostgres.configured(), "a PostgreSQL is configured for the tests: they use it, not an embedded one");

    try (Connection db = TestPostgres.connect()) {
      assertThat(Path.of(show(db, "data_directory")).toRealPath())
          .as("the server is the one this JVM started").isEqualTo(TestPostgres.embeddedDataDir().toRealPath());
      assertThat(show(db, "synchronous_commit")).isEqualTo("on");
      assertThat(show(db, "fsync")).isEqualTo("on");
    }
  }
}
