package dev.stowage.actors.workspace;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.gateway.CacheOperations;
import dev.stowage.actors.gateway.WorkspaceDatabases;
import dev.stowage.actors.gateway.DatabaseFile;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.CacheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Answers {@code stats()}: what the supervisor counts (live and dirty entries) with what every
 * gateway of both files counts, a file's readers added to its writer (their reads, their time in
 * SQLite, their block hits and misses).
 */
final class WorkspaceStatsQuery {
  private final String workspaceId;
  private final WorkspaceDatabases gateways;
  private final Executor executor;

  WorkspaceStatsQuery(String workspaceId, WorkspaceDatabases gateways, Executor executor) {
    this.workspaceId = workspaceId;
    this.gateways = gateways;
    this.executor = executor;
  }

  void answer(GetStats request, int liveEntities, int dirtyEntries) {
    CompletableFuture<DatabaseStats> data = fileStats(gateways.data());
    CompletableFuture<DatabaseStats> cache = fileStats(gateways.cache());
    DatabaseFile<CacheStore> cacheFile = gateways.cache();
    List<CompletableFuture<CacheStore.BlockCounters>> counters = new ArrayList<>();
    counters.add(cacheFile.ask(cacheFile.writer(), CacheOperations.counters()).toCompletableFuture());
    cacheFile.readers().forEach(reader -> counters.add(cacheFile.ask(reader, CacheOperations.counters()).toCompletableFuture()));
    List<CompletableFuture<?>> all = new ArrayList<>(counters);
    all.add(data);
    all.add(cache);
    StatusReplies.when(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApplyAsync(done -> {
      CacheStore.BlockCounters writer = counters.get(0).join();
      long hits = counters.stream().mapToLong(c -> c.join().hits()).sum();
      long misses = counters.stream().mapToLong(c -> c.join().misses()).sum();
      return new StorageStats(workspaceId, liveEntities, dirtyEntries, data.join(), cache.join(),
          writer.blocks(), writer.limit(), hits, misses, writer.evictions());
    }, executor), request.replyTo(), executor);
  }

  /** The statistics of a file's writer, with its readers' reads and time in SQLite added. */
  private static <S> CompletableFuture<DatabaseStats> fileStats(DatabaseFile<S> file) {
    List<CompletableFuture<DatabaseStats>> parts = new ArrayList<>();
    parts.add(stats(file, file.writer()));
    file.readers().forEach(reader -> parts.add(stats(file, reader)));
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
      DatabaseStats writer = parts.get(0).join();
      long reads = parts.stream().mapToLong(part -> part.join().reads()).sum();
      long nanos = parts.stream().mapToLong(part -> part.join().nanosInSqlite()).sum();
      return new DatabaseStats(writer.fileBytes(), writer.commits(), writer.writes(), reads, writer.maxBatchSize(), nanos);
    });
  }

  private static <S> CompletableFuture<DatabaseStats> stats(DatabaseFile<S> file, ActorRef<GatewayCommand<S>> gateway) {
    return file.<DatabaseStats>ask(gateway, GatewayCommand.GetStats::new).toCompletableFuture();
  }
}
