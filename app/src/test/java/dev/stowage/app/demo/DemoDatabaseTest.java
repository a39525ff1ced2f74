package dev.stowage.app.demo;

import static dev.stowage.cluster.TestPostgres.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import dev.stowage.app.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database of {@code demo --cluster N}: a configured one wins; with none, an embedded one for the run. */
class DemoDatabaseTest {

  @Test
  void aDatabaseInTheConfigurationIsUsedAsItIs(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("db.conf"), "jdbc-durable-state-store.slick.db"
        + " { url = \"jdbc:postgresql://db.example:5432/stowage?ssl=true\", user = app, password = secret }\n");

    try (DemoDatabase database = DemoDatabase.open(AppConfig.load(file))) {
      assertThat(database.config().getString(AppConfig.CLUSTER_DATABASE_URL)).isEqualTo("jdbc:postgresql://db.example:5432/stowage?ssl=true");
      assertThat(database.config().getString("jdbc-durable-state-store.slick.db.user")).isEqualTo("app");
      assertThat(database).hasToString("the configured PostgreSQL, jdbc:postgresql://db.example:5432/stowage");
    }
  }

  @Test
  void withNoneConfiguredAnEmbeddedServerRunsTheDemoDurablyAndIsGoneAfterIt() throws Exception {
    Config packaged = AppConfig.load(null);
    assertThat(AppConfig.clusterDatabaseConfigured(packaged)).as("the packaged application.conf names no database").isFalse();

    Path dataDir;
    Config config;
    try (DemoDatabase database = DemoDatabase.open(packaged)) {
      config = database.config();
      assertThat(database.toString()).startsWith("an embedded PostgreSQL on 127.0.0.1:");
      try (Connection db = connect(config)) {
        assertThat(show(db, "synchronous_commit")).isEqualTo("on");
        assertThat(show(db, "fsync")).isEqualTo("on");
        dataDir = Path.of(show(db, "data_directory"));
      }
      assertThat(dataDir).isDirectory();
    }

    assertThatThrownBy(() -> connect(config).close()).as("the server is stopped").isInstanceOf(SQLException.class);
    assertThat(dataDir).as("its data is deleted").doesNotExist();
  }

  private static Connection connect(Config config) throws SQLException {
    return DriverManager.getConnection(config.getString(AppConfig.CLUSTER_DATABASE_URL),
        config.getString("jdbc-durable-state-store.slick.db.user"),
        config.getString("jdbc-durable-state-store.slick.db.password"));
  }
}
