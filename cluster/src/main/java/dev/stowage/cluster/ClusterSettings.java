package dev.stowage.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stowage.protocol.InvalidRequestException;
import java.time.Duration;

/**
 * The settings of cluster mode, parsed once from the system's configuration: the database (from
 * {@code jdbc-durable-state-store.slick.db}, shared by the manifest store and the chunk gateway)
 * and the {@code stowage.cluster} section. An invalid value fails with an {@link
 * InvalidRequestException} naming the key.
 *
 * @param jdbcUrl the PostgreSQL URL ({@code jdbc-durable-state-store.slick.db.url})
 * @param user the database user ({@code jdbc-durable-state-store.slick.db.user})
 * @param password the user's password ({@code jdbc-durable-state-store.slick.db.password})
 * @param applySchema whether to create missing tables on start ({@code stowage.cluster.apply-schema})
 * @param chunkPoolSize connections of the chunk gateway ({@code stowage.cluster.chunk-pool-size})
 * @param connectionTimeout longest wait for a connection ({@code stowage.cluster.connection-timeout})
 * @param readinessTimeout longest wait of the readiness check for PostgreSQL's answer ({@code stowage.cluster.readiness-timeout})
 * @param orphanGrace youngest age of a chunk that gc may collect ({@code stowage.cluster.orphan-grace})
 * @param manifestMaxBatch most manifest writes in one transaction ({@code stowage.cluster.manifest-writer.max-batch})
 * @param manifestWriters group-committing writers per node, a connection each ({@code stowage.cluster.manifest-writer.connections})
 * @param numberOfShards shards of each workspace's manifest entities ({@code stowage.cluster.number-of-shards})
 * @param preallocateShards whether opening a workspace allocates all its shards ({@code stowage.cluster.preallocate-shards})
 */
public record ClusterSettings(
    String jdbcUrl,
    String user,
    String password,
    boolean applySchema,
    int chunkPoolSize,
    Duration connectionTimeout,
    Duration readinessTimeout,
    Duration orphanGrace,
    int manifestMaxBatch,
    int manifestWriters,
    int numberOfShards,
    boolean preallocateShards) {

  /** The config path of the dispatcher that runs the chunk gateway's JDBC calls. */
  public static final String JDBC_DISPATCHER = "stowage.cluster.jdbc-dispatcher";

  /** The config path of the pinned dispatcher of each node's manifest writer. */
  public static final String MANIFEST_WRITER_DISPATCHER = "stowage.cluster.manifest-writer.dispatcher";

  private static final String DB = "jdbc-durable-state-store.slick.db.";

  public static ClusterSettings fromConfig(Config config) {
    try {
      ClusterSettings settings = new ClusterSettings(
          config.getString(DB + "url"),
          config.getString(DB + "user"),
          config.getString(DB + "password"),
          config.getBoolean("stowage.cluster.apply-schema"),
          config.getInt("stowage.cluster.chunk-pool-size"),
          config.getDuration("stowage.cluster.connection-timeout"),
          config.getDuration("stowage.cluster.readiness-timeout"),
          config.getDuration("stowage.cluster.orphan-grace"),
          config.getInt("stowage.cluster.manifest-writer.max-batch"),
          config.getInt("stowage.cluster.manifest-writer.connections"),
          config.getInt("stowage.cluster.number-of-shards"),
          config.getBoolean("stowage.cluster.preallocate-shards"));
      if (settings.chunkPoolSize() < 1) {
        throw new InvalidRequestException("stowage.cluster.chunk-pool-size must be positive, got " + settings.chunkPoolSize());
      }
      if (settings.readinessTimeout().isNegative() || settings.readinessTimeout().isZero()) {
        throw new InvalidRequestException(
            "stowage.cluster.readiness-timeout must be positive, got " + settings.readinessTimeout());
      }
      if (settings.manifestMaxBatch() < 1) {
        throw new InvalidRequestException(
            "stowage.cluster.manifest-writer.max-batch must be positive, got " + settings.manifestMaxBatch());
      }
      if (settings.manifestWriters() < 1) {
        throw new InvalidRequestException(
            "stowage.cluster.manifest-writer.connections must be positive, got " + settings.manifestWriters());
      }
      if (settings.numberOfShards() < 1) {
        throw new InvalidRequestException(
            "stowage.cluster.number-of-shards must be positive, got " + settings.numberOfShards());
      }
      if (!settings.jdbcUrl().startsWith("jdbc:")) {
        throw new InvalidRequestException(DB + "url must be a JDBC URL, got '" + settings.jdbcUrl() + "'");
      }
      return settings;
    } catch (ConfigException e) {
      throw new InvalidRequestException("cluster mode configuration is invalid: " + e.getMessage(), e);
    }
  }
}
