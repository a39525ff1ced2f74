package dev.stowage.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * System 1: Stowage through its public {@link WorkspaceStorage} façade, in an ActorSystem of its
 * own (created here, terminated on {@link #close()}), configured like a host would configure it.
 */
final class StowageTarget implements BenchTarget {
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);
  /** Runs a callback on the thread that completed the stage (a Pekko dispatcher thread; callbacks are tiny). */
  private static final Executor DIRECT = Runnable::run;

  private final ActorSystem<Void> system;
  private final WorkspaceStorage storage;

  private StowageTarget(ActorSystem<Void> system, WorkspaceStorage storage) {
    this.system = system;
    this.storage = storage;
  }

  static StowageTarget open(TargetOptions options) throws Exception {
    Config config = ConfigFactory.parseMap(settings(options)).withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "stowage-bench", config);
    try {
      WorkspaceStorage storage = Stowage.open(system, "bench", LocalKey.generate(),
              StorageSettings.fromConfig(system.settings().config()))
          .toCompletableFuture().get(1, TimeUnit.MINUTES);
      return new StowageTarget(system, storage);
    } catch (Exception | Error e) {
      system.terminate();
      throw e;
    }
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
    return plain(storage.setManifest(id, manifest));
  }

  @Override
  public CompletionStage<?> setManifestCacheOnly(EntryId id, LocalManifest manifest, Set<ChunkId> removed) {
    return plain(storage.setManifest(id, manifest, true, removed));
  }

  @Override
  public CompletionStage<?> ensurePersistent(EntryId id) {
    return plain(storage.ensureManifestPersistent(id));
  }

  @Override
  public CompletionStage<?> getManifest(EntryId id) {
    return plain(orNullIfMissing(storage.getManifest(id)));
  }

  @Override
  public CompletionStage<?> setChunk(ChunkId id, byte[] data) {
    return plain(storage.setChunk(id, data));
  }

  @Override
  public CompletionStage<?> setBlock(ChunkId id, byte[] data) {
    return plain(storage.setBlock(id, data));
  }

  @Override
  public CompletionStage<?> getBlock(ChunkId id) {
    return plain(orNullIfMissing(storage.getBlock(id)));
  }

  @Override
  public CompletionStage<?> clearMemoryCache() {
    return plain(storage.clearMemoryCache(true));
  }

  @Override
  public CompletionStage<?> runVacuum() {
    return plain(storage.runVacuum());
  }

  @Override
  public CompletionStage<?> drain() {
    return CompletableFuture.completedFuture(null); // every write is acknowledged after its commit
  }

  /** The façade itself, for workloads that read Stowage's own statistics. */
  WorkspaceStorage storage() {
    return storage;
  }

  @Override
  public void close() throws Exception {
    try {
      storage.close().toCompletableFuture().get(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /**
   * The same outcome as a plain {@link CompletableFuture}. The façade's stages are Scala-backed
   * ({@code FutureConvertersImpl.CF}), which turn every non-async method ({@code thenApply}, {@code
   * handle}, …) into its {@code *Async} form on the common pool — and on a machine with 2 cores the
   * common pool is thread-per-task: one new thread per callback. The harness chains callbacks
   * (W5's edit, the read checks), so it adapts each stage once, here, with a direct executor.
   */
  private static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync((value, e) -> {
      if (e != null) {
        plain.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
      } else {
        plain.complete(value);
      }
    }, DIRECT);
    return plain;
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
