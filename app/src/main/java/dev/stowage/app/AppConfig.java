package dev.stowage.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.stowage.actors.StorageSettings;
import dev.stowage.protocol.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host application's configuration: the project's top-level {@code application.conf} (packaged
 * with the app), optionally overlaid by a file given with {@code --config}, with the library's
 * {@code reference.conf} underneath.
 */
public final class AppConfig {
  /**
   * The key that names cluster mode's PostgreSQL (pekko-persistence-jdbc's durable state store),
   * with {@code user} and {@code password} beside it.
   */
  public static final String CLUSTER_DATABASE_URL = "jdbc-durable-state-store.slick.db.url";

  private AppConfig() {}

  /** Loads the configuration; an unreadable file or an invalid value is a {@link CliError} naming it. */
  public static Config load(Path overlay) {
    try {
      ConfigFactory.invalidateCaches();
      Config base = ConfigFactory.load();
      if (overlay == null) {
        return base;
      }
      if (!Files.isRegularFile(overlay)) {
        throw new CliError("no configuration file at " + overlay);
      }
      Config file = ConfigFactory.parseFile(overlay.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      return ConfigFactory.load(file.withFallback(ConfigFactory.defaultApplication()));
    } catch (ConfigException e) {
      throw new CliError("invalid configuration: " + e.getMessage(), e);
    }
  }

  /** The {@code stowage} section as settings; an invalid value is a {@link CliError} naming its key. */
  public static StorageSettings storageSettings(Config config) {
    try {
      return StorageSettings.fromConfig(config);
    } catch (StorageException | ConfigException e) {
      throw new CliError("invalid configuration: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@value #CLUSTER_DATABASE_URL} is set anywhere but in a library's {@code reference.conf}
   * (a {@code --config} file, a {@code -D} system property): otherwise it is the library's default.
   */
  public static boolean clusterDatabaseConfigured(Config config) {
    return config.hasPath(CLUSTER_DATABASE_URL)
        && !"reference.conf".equals(config.getValue(CLUSTER_DATABASE_URL).origin().resource());
  }

  /** A JDBC URL as a message shows it: without its query, which may hold a password. */
  public static String shownUrl(String url) {
    return url.replaceFirst("\\?.*", "");
  }
}
