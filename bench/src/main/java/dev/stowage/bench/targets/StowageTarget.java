package dev.stowage.bench.targets;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.cluster.loopback.LoopbackCluster;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * System 1: Stowage through its public {@link WorkspaceStorage} façade, in an ActorSystem of its
 * own (created here, terminated on {@link #close()}), configured like a host would configure it.
 * Also the opt-in cluster rows: the same façade in cluster mode on N nodes of a {@link
 * LoopbackCluster} over the local PostgreSQL, each manifest's calls going through the node its id
 * hashes to (the entity itself lives wherever Cluster Sharding put it).
 */
public final class StowageTarget implements BenchTarget {
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration FORMING = Duration.ofSeconds(60);
  /**
   * Runs a callback on the thread that completed the stage. The façade's stages are plain
   * CompletableFutures completed on an actor system thread, and the harness's callbacks are tiny.
   */
  private static final Executor DIRECT = Runnable::run;

  private final AutoCloseable nodes;
  private final List<WorkspaceStorage> storages;

  private StowageTarget(AutoCloseable nodes, List<WorkspaceStorage> storages) {
    this.nodes = nodes;
    this.storages = List.copyOf(storages);
  }

  /**
   * {@code -Dstowage.bench.feed-subscriber=true} (e.g. in {@code STOWAGE_JAVA_OPTS}): local mode runs
   * with a subscriber of the change feed attached, taking every event.
   */
  static final String FEED_SUBSCRIBER = "stowage.bench.feed-subscriber";

  static StowageTarget open(TargetOptions options) throws Exception {
    Config config = ConfigFactory.parseMap(settings(options)).withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "stowage-bench", config);
    AutoCloseable stop = () -> {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    };
    try {
      WorkspaceStorage storage = Stowage.open(system, "bench", LocalKey.generate(),
              StorageSettings.fromConfig(system.settings().config()))
          .toCompletableFuture().get(1, TimeUnit.MINUTES);
      if (Boolean.getBoolean(FEED_SUBSCRIBER)) {
        storage.changes().runWith(Sink.ignore(), system); // what a host's UI costs the workspace (issue 28's A/B)
      }
      return new StowageTarget(stop, List.of(storage));
    } catch (Exception | Error e) {
      stop.close();
      throw e;
    }
  }

  /**
   * Cluster mode on {@code size} nodes in this JVM, on the PostgreSQL of {@code
   * -Dstowage.bench.pg.url/user/password} (default: the local one of {@code .ci/postgres.sh}), in
   * a workspace of its own.
   */
  static StowageTarget openCluster(TargetOptions options, int size) throws Exception {
    Map<String, Object> map = settings(options);
    map.put("jdbc-durable-state-store.slick.db.url", BenchPostgres.url());
    map.put("jdbc-durable-state-store.slick.db.user", BenchPostgres.user());
    map.put("jdbc-durable-state-store.slick.db.password", BenchPostgres.password());
    Config config = ConfigFactory.parseMap(map).withFallback(ConfigFactory.load());
    LoopbackCluster cluster = LoopbackCluster.start("stowage-bench", size, config, FORMING);
    try {
      String workspace = "bench-" + UUID.randomUUID();
      LocalKey key = LocalKey.generate();
      List<WorkspaceStorage> storages = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        ActorSystem<Void> node = cluster.nodes().get(i);
        StorageSettings settings = StorageSettings.fromConfig(node.settings().config())
            .withBaseDir(options.dir().resolve("node-" + i));
        storages.add(Stowage.open(node, workspace, key, settings).toCompletableFuture().get(1, TimeUnit.MINUTES));
      }
      return new StowageTarget(cluster, storages);
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** The node a manifest's or a chunk's calls go through. */
  private WorkspaceStorage via(Object id) {
    return storages.get(Math.floorMod(id.hashCode(), storages.size()));
  }

  /** Blocks live in a node-local cache: always the first node's. */
  private WorkspaceStorage blocks() {
    return storages.get(0);
  }

  private static Map<String, Object> settings(TargetOptions options) {
    Map<String, Object> map = new HashMap<>();
    map.put("stowage.base-dir", options.dir().toString());
    map.put("stowage.durability", options.durability().name().toLowerCase(Locale.ROOT));
    map.put("stowage.block-size", options.blockSize());
    map.put("stowage.cache-size", options.blockLimit() * options.blockSize());
    map.put("stowage.entity.max-active", options.maxActive());
    map.put("stowage.vacuum-threshold", options.vacuumThreshold());
    // A vacuum or a large eviction under 64 writers must not turn into timeouts on a 2-core machine.
    map.put("stowage.ask-timeout", "60s");
    map.put("pekko.loglevel", "WARNING");
    map.put("pekko.stdout-loglevel", "WARNING");
    map.put("pekko.log-dead-letters", "off");
    map.put("pekko.coordinated-shutdown.exit-jvm", "off");
    return map;
  }

  @Override
  public CompletionStage<?> setManifest(EntryId id, LocalManifest manifest) {
    return via(id).setManifest(id, manifest);
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return via(id).setManifest(id, manifest, true, removed);
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return via(id).ensureManifestPersistent(id);
  }

  @Override
  public CompletionStage<?> updateManifests(List<ManifestChange> changes) {
    return via(changes.get(0).id()).updateManifests(changes);
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return orNullIfMissing(via(id).getManifest(id));
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] data) {
    return via(id).setChunk(id, data);
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] data) {
    return blocks().setBlock(id, data);
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return orNullIfMissing(blocks().getBlock(id));
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return CompletableFuture.allOf(storages.stream()
        .map(storage -> storage.clearMemoryCache(true).toCompletableFuture())
        .toArray(CompletableFuture[]::new));
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return storages.get(0).runVacuum();
  }

  @Override
  public CompletionStage<?> drain() {
    return CompletableFuture.completedFuture(null); // every write is acknowledged after its commit
  }

  /** The façade itself (the first node's), for workloads that read Stowage's own statistics. */
  public WorkspaceStorage storage() {
    return storages.get(0);
  }

  @Override
  public void close() throws Exception {
    try {
      for (WorkspaceStorage storage : storages) {
        storage.close().toCompletableFuture().get(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      nodes.close();
    }
  }

  /** A miss is an answer here, not an error: the stage completes with null. */
  private static <T> CompletionStage<T> orNullIfMissing(CompletionStage<T> stage) {
    return stage.handleAsync((value, e) -> {
      if (e == null) {
        return value;
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (cause instanceof EntryMissingException) {
        return null;
      }
      throw e instanceof CompletionException c ? c : new CompletionException(e);
    }, DIRECT);
  }
}
