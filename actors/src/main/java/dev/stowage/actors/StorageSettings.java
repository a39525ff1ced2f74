package dev.stowage.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.storage.Durability;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/**
 * The {@code stowage} configuration section, parsed once and validated: an invalid value fails
 * {@link #fromConfig(Config)} with an {@link InvalidRequestException} naming the key (INV-19).
 * Immutable; the {@code with...} methods return modified copies.
 *
 * @param baseDir where workspace directories live ({@code stowage.base-dir})
 * @param cacheSize block cache budget in bytes ({@code stowage.cache-size})
 * @param blockSize nominal block size in bytes ({@code stowage.block-size})
 * @param maxChunkSize largest chunk or block payload in bytes ({@code stowage.max-chunk-size})
 * @param vacuumThreshold on-disk size above which {@code runVacuum} vacuums ({@code stowage.vacuum-threshold})
 * @param durability {@code synchronous} mode of both databases ({@code stowage.durability})
 * @param askTimeout how long a façade call waits ({@code stowage.ask-timeout})
 * @param maxDirty most dirty cached manifests ({@code stowage.cache.max-dirty})
 * @param passivateAfter idle time before an entity stops ({@code stowage.entity.passivate-after})
 * @param maxActive most live entities ({@code stowage.entity.max-active})
 * @param maxBatch most writes per commit ({@code stowage.group-commit.max-batch})
 * @param maxDelay longest a write waits for its commit ({@code stowage.group-commit.max-delay})
 * @param gatewayDispatcher config path of the pinned gateway dispatcher
 * @param dispatcher config path of the dispatcher of the supervisors and manifest entities
 * @param readConnections reader connections beside each database's writer ({@code stowage.read-connections})
 * @param checkpointInterval how often a reader checkpoints the WAL ({@code stowage.checkpoint-interval})
 * @param overload how much work the façade admits at once, and what a call meets past it ({@code stowage.overload})
 * @param feed the change feed's buffer and backlog interval ({@code stowage.feed})
 * @param maxManifestSize largest stored form of a manifest in bytes ({@code stowage.max-manifest-size}); also
 *     bounds the removed chunk ids of one write ({@link #maxRemovedChunkIds()})
 */
public record StorageSettings(
    Path baseDir,
    long cacheSize,
    int blockSize,
    int maxChunkSize,
    long vacuumThreshold,
    Durability durability,
    Duration askTimeout,
    int maxDirty,
    Duration passivateAfter,
    int maxActive,
    int maxBatch,
    Duration maxDelay,
    String gatewayDispatcher,
    String dispatcher,
    int readConnections,
    Duration checkpointInterval,
    OverloadSettings overload,
    int maxManifestSize,
    FeedSettings feed) {

  /** Largest payload SQLite stores comfortably in one row (its default limit is 1e9 bytes). */
  public static final int MAX_PAYLOAD = 512 << 20;

  /** Smallest {@code stowage.max-manifest-size}: a manifest of a few children must fit. */
  public static final int MIN_MANIFEST_SIZE = 1 << 10;

  /** Bytes of a removed chunk id in a write, as it travels (cluster mode) and as it is held. */
  private static final int CHUNK_ID_BYTES = 16;

  private static final String GATEWAY_DISPATCHER = "stowage.gateway-dispatcher";
  private static final String DISPATCHER = "stowage.dispatcher";

  public StorageSettings {
    require(baseDir != null, "stowage.base-dir", "must be set");
    require(cacheSize > 0, "stowage.cache-size", "must be positive, got " + cacheSize + " bytes");
    require(blockSize > 0, "stowage.block-size", "must be positive, got " + blockSize + " bytes");
    require(cacheSize >= blockSize, "stowage.cache-size",
        "must hold at least one block of stowage.block-size (" + blockSize + " bytes), got " + cacheSize);
    require(maxChunkSize > 0 && maxChunkSize <= MAX_PAYLOAD, "stowage.max-chunk-size",
        "must be between 1 byte and 512 MiB, got " + maxChunkSize + " bytes");
    require(vacuumThreshold >= 0, "stowage.vacuum-threshold", "must not be negative, got " + vacuumThreshold);
    require(durability != null, "stowage.durability", "must be normal or full");
    require(positive(askTimeout), "stowage.ask-timeout", "must be positive, got " + askTimeout);
    require(maxDirty > 0, "stowage.cache.max-dirty", "must be positive, got " + maxDirty);
    require(positive(passivateAfter), "stowage.entity.passivate-after", "must be positive, got " + passivateAfter);
    require(maxActive > 0, "stowage.entity.max-active", "must be positive, got " + maxActive);
    require(maxBatch > 0, "stowage.group-commit.max-batch", "must be positive, got " + maxBatch);
    require(maxDelay != null && !maxDelay.isNegative(), "stowage.group-commit.max-delay",
        "must not be negative, got " + maxDelay);
    require(gatewayDispatcher != null && !gatewayDispatcher.isBlank(), GATEWAY_DISPATCHER, "must be set");
    require(dispatcher != null && !dispatcher.isBlank(), DISPATCHER, "must be set");
    require(readConnections >= 0 && readConnections <= 16, "stowage.read-connections",
        "must be between 0 and 16, got " + readConnections);
    require(positive(checkpointInterval), "stowage.checkpoint-interval", "must be positive, got " + checkpointInterval);
    require(overload != null, "stowage.overload", "must be set");
    // A chunk or block of the largest size accepted must be admissible, alone, in flight and waiting.
    require(overload.maxBytesInFlight() >= maxChunkSize, "stowage.overload.max-bytes-in-flight",
        "must be at least stowage.max-chunk-size (" + maxChunkSize + " bytes), got " + overload.maxBytesInFlight());
    require(overload.maxBytesWaiting() >= maxChunkSize, "stowage.overload.max-bytes-waiting",
        "must be at least stowage.max-chunk-size (" + maxChunkSize + " bytes), got " + overload.maxBytesWaiting());
    require(maxManifestSize >= MIN_MANIFEST_SIZE && maxManifestSize <= MAX_PAYLOAD, "stowage.max-manifest-size",
        "must be between 1 KiB and 512 MiB, got " + maxManifestSize + " bytes");
  }

  /** Settings without a {@code feed} section, as before it existed: the reference defaults' for it. */
  public StorageSettings(Path baseDir, long cacheSize, int blockSize, int maxChunkSize, long vacuumThreshold,
      Durability durability, Duration askTimeout, int maxDirty, Duration passivateAfter, int maxActive, int maxBatch,
      Duration maxDelay, String gatewayDispatcher, String dispatcher, int readConnections, Duration checkpointInterval,
      OverloadSettings overload, int maxManifestSize) {
    this(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability, askTimeout, maxDirty, passivateAfter,
        maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher, readConnections, checkpointInterval, overload,
        maxManifestSize, feed(ConfigFactory.defaultReference()));
  }

  /**
   * Settings without {@code max-manifest-size}, as before it existed: the reference default's
   * (reference.conf) for it.
   */
  public StorageSettings(Path baseDir, long cacheSize, int blockSize, int maxChunkSize, long vacuumThreshold,
      Durability durability, Duration askTimeout, int maxDirty, Duration passivateAfter, int maxActive, int maxBatch,
      Duration maxDelay, String gatewayDispatcher, String dispatcher, int readConnections, Duration checkpointInterval,
      OverloadSettings overload) {
    this(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability, askTimeout, maxDirty, passivateAfter,
        maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher, readConnections, checkpointInterval, overload,
        bytesAsInt(ConfigFactory.defaultReference(), "stowage.max-manifest-size"));
  }

  /**
   * Settings without an {@code overload} section, as before it existed: the reference defaults'
   * (reference.conf) for it.
   */
  public StorageSettings(Path baseDir, long cacheSize, int blockSize, int maxChunkSize, long vacuumThreshold,
      Durability durability, Duration askTimeout, int maxDirty, Duration passivateAfter, int maxActive, int maxBatch,
      Duration maxDelay, String gatewayDispatcher, String dispatcher, int readConnections, Duration checkpointInterval) {
    this(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability, askTimeout, maxDirty, passivateAfter,
        maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher, readConnections, checkpointInterval,
        overload(ConfigFactory.defaultReference()));
  }

  /**
   * Reads the {@code stowage} section of {@code config} (the whole configuration, e.g. {@code
   * system.settings().config()}).
   *
   * @throws InvalidRequestException naming the first key with a missing or invalid value
   */
  public static StorageSettings fromConfig(Config config) {
    if (config == null) {
      throw new InvalidRequestException("configuration must not be null");
    }
    return new StorageSettings(
        read(config, "stowage.base-dir", key -> Path.of(config.getString(key))),
        read(config, "stowage.cache-size", config::getBytes),
        bytesAsInt(config, "stowage.block-size"),
        bytesAsInt(config, "stowage.max-chunk-size"),
        read(config, "stowage.vacuum-threshold", config::getBytes),
        read(config, "stowage.durability", key -> durability(config.getString(key))),
        read(config, "stowage.ask-timeout", config::getDuration),
        read(config, "stowage.cache.max-dirty", config::getInt),
        read(config, "stowage.entity.passivate-after", config::getDuration),
        read(config, "stowage.entity.max-active", config::getInt),
        read(config, "stowage.group-commit.max-batch", config::getInt),
        read(config, "stowage.group-commit.max-delay", config::getDuration),
        gatewayDispatcher(config),
        dispatcher(config),
        read(config, "stowage.read-connections", config::getInt),
        read(config, "stowage.checkpoint-interval", config::getDuration),
        overload(config),
        bytesAsInt(config, "stowage.max-manifest-size"),
        feed(config));
  }

  public StorageSettings withBaseDir(Path baseDir) {
    return new StorageSettings(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability,
        askTimeout, maxDirty, passivateAfter, maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher,
        readConnections, checkpointInterval, overload, maxManifestSize, feed);
  }

  public StorageSettings withDurability(Durability durability) {
    return new StorageSettings(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability,
        askTimeout, maxDirty, passivateAfter, maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher,
        readConnections, checkpointInterval, overload, maxManifestSize, feed);
  }

  public StorageSettings withOverload(OverloadSettings overload) {
    return new StorageSettings(baseDir, cacheSize, blockSize, maxChunkSize, vacuumThreshold, durability,
        askTimeout, maxDirty, passivateAfter, maxActive, maxBatch, maxDelay, gatewayDispatcher, dispatcher,
        readConnections, checkpointInterval, overload, maxManifestSize, feed);
  }

  /**
   * Most removed chunk ids one manifest write carries: as many as fit in {@code max-manifest-size}
   * at 16 bytes each (65,536 at the default 1 MiB), more than a file of that size references. In
   * cluster mode a write travels in one message, which must hold its manifest and its removed ids.
   */
  public int maxRemovedChunkIds() {
    return maxManifestSize / CHUNK_ID_BYTES;
  }

  /** How many blocks the cache keeps: {@code cache-size / block-size}. */
  public long blockLimit() {
    return cacheSize / blockSize;
  }

  /** The directory of one workspace. */
  public Path workspaceDir(String workspaceId) {
    return baseDir.resolve(workspaceId);
  }

  private static Durability durability(String value) {
    try {
      return Durability.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("stowage.durability", "must be normal or full, got '" + value + "'");
    }
  }

  private static FeedSettings feed(Config config) {
    return new FeedSettings(read(config, "stowage.feed.buffer-size", config::getInt),
        read(config, "stowage.feed.backlog-interval", config::getDuration));
  }

  private static OverloadSettings overload(Config config) {
    return new OverloadSettings(
        read(config, "stowage.overload.max-calls-in-flight", config::getInt),
        read(config, "stowage.overload.max-bytes-in-flight", config::getBytes),
        read(config, "stowage.overload.when-full", key -> whenFull(config.getString(key))),
        read(config, "stowage.overload.max-wait", config::getDuration),
        read(config, "stowage.overload.max-calls-waiting", config::getInt),
        read(config, "stowage.overload.max-bytes-waiting", config::getBytes));
  }

  private static OverloadSettings.WhenFull whenFull(String value) {
    try {
      return OverloadSettings.WhenFull.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("stowage.overload.when-full", "must be fail or wait, got '" + value + "'");
    }
  }

  private static String gatewayDispatcher(Config config) {
    String type = read(config, GATEWAY_DISPATCHER + ".type", config::getString);
    // One thread per gateway for the gateway's whole life is what makes one connection, one thread.
    require("PinnedDispatcher".equals(type), GATEWAY_DISPATCHER + ".type", "must be PinnedDispatcher, got " + type);
    return GATEWAY_DISPATCHER;
  }

  private static String dispatcher(Config config) {
    String type = read(config, DISPATCHER + ".type", config::getString);
    // Entities and supervisors are many actors sharing a few threads; a pinned dispatcher would give
    // each of them a thread of its own.
    require(!"PinnedDispatcher".equals(type), DISPATCHER + ".type", "must be a shared dispatcher, got " + type);
    return DISPATCHER;
  }

  private static int bytesAsInt(Config config, String key) {
    long bytes = read(config, key, config::getBytes);
    require(bytes <= Integer.MAX_VALUE, key, "must be under 2 GiB, got " + bytes + " bytes");
    return (int) bytes;
  }

  private static <T> T read(Config config, String key, Function<String, T> reader) {
    try {
      return reader.apply(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidRequestException(key + " is missing from the configuration", e);
    } catch (ConfigException e) {
      throw new InvalidRequestException(key + " is invalid: " + e.getMessage(), e);
    } catch (InvalidPathException e) {
      throw new InvalidRequestException(key + " is not a valid path: " + e.getMessage(), e);
    }
  }

  private static boolean positive(Duration duration) {
    return duration != null && !duration.isNegative() && !duration.isZero();
  }

  static void require(boolean valid, String key, String message) {
    if (!valid) {
      throw new InvalidRequestException(key + " " + message);
    }
  }
}
