package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * The actors behind a workspace's two database files, for its supervisor (and used on its thread
 * only): each file's one writing {@link DbGateway}, the {@link DbReader}s beside it ({@code
 * read-connections}), the order in which requests reach each writer ({@link InOrder}), and how many
 * of them are open.
 *
 * <p>The writers are spawned at once. The readers of a file are spawned once its writer has opened
 * it (the writer creates and migrates the file); until then, and with no readers configured, reads
 * go to the writer. Readers take turns.
 */
final class DatabaseGateways {
  /** One of the two database files. */
  enum File {
    DATA,
    CACHE
  }

  private final String workspaceId;
  private final Path dir;
  private final StorageSettings settings;
  private final BlobCipher cipher;
  private final WorkspaceHealth failure;
  private final ActorRef<DbGateway.Event> events;
  private final DispatcherSelector pinned;
  private final ActorRef<DbGateway.Command> data;
  private final ActorRef<DbGateway.Command> cache;
  private final InOrder toData = new InOrder();
  private final InOrder toCache = new InOrder();
  private final List<ActorRef<DbGateway.Command>> dataReaders = new ArrayList<>();
  private final List<ActorRef<DbGateway.Command>> cacheReaders = new ArrayList<>();
  private int nextDataReader;
  private int nextCacheReader;

  private final Scheduler scheduler;

  private int spawned;
  private int opened;
  private int closed;
  private boolean closing;

  DatabaseGateways(ActorContext<?> context, String workspaceId, Path dir, StorageSettings settings, BlobCipher cipher,
      WorkspaceHealth failure, ActorRef<DbGateway.Event> events) {
    this.scheduler = context.getSystem().scheduler();
    this.workspaceId = workspaceId;
    this.dir = dir;
    this.settings = settings;
    this.cipher = cipher;
    this.failure = failure;
    this.events = events;
    this.pinned = DispatcherSelector.fromConfig(settings.gatewayDispatcher());
    boolean readersCheckpoint = settings.readConnections() > 0;
    this.data = spawn(context, DbGateway.create(name(File.DATA),
        () -> DataStore.open(dir, settings.durability(), cipher, readersCheckpoint),
        settings.maxBatch(), settings.maxDelay(), events, failure), "data");
    this.cache = spawn(context, DbGateway.create(name(File.CACHE),
        () -> CacheStore.open(dir, settings.durability(), cipher, settings.blockLimit(), readersCheckpoint),
        settings.maxBatch(), settings.maxDelay(), events, failure), "cache");
  }

  private ActorRef<DbGateway.Command> spawn(
      ActorContext<?> context, org.apache.pekko.actor.typed.Behavior<DbGateway.Command> behavior, String name) {
    spawned++;
    return context.spawn(behavior, name, pinned);
  }

  /** How a file is named in messages and logs: "workspace 'w' data database". */
  String name(File file) {
    return "workspace '" + workspaceId + "' " + (file == File.DATA ? "data" : "cache") + " database";
  }

  /**
   * One of this workspace's gateways opened its file; a writer's readers are spawned now.
   *
   * @return whether every gateway, readers included, is open now
   */
  boolean opened(ActorContext<?> context, String database) {
    opened++;
    if (!closing && settings.readConnections() > 0) {
      if (database.equals(name(File.DATA))) {
        for (int i = 0; i < settings.readConnections(); i++) {
          dataReaders.add(spawn(context, DbReader.create(name(File.DATA) + " reader",
              () -> DataStore.openReader(dir), settings.checkpointInterval(), events, failure), "data-reader-" + i));
        }
      } else if (database.equals(name(File.CACHE))) {
        for (int i = 0; i < settings.readConnections(); i++) {
          cacheReaders.add(spawn(context, DbReader.create(name(File.CACHE) + " reader",
              () -> CacheStore.openReader(dir, settings.blockLimit()), settings.checkpointInterval(), events, failure),
              "cache-reader-" + i));
        }
      }
    }
    return opened == 2 + 2 * settings.readConnections();
  }

  /** Whether every gateway opened at least once (the workspace was open). */
  boolean allOpened() {
    return opened == 2 + 2 * settings.readConnections();
  }

  ActorRef<DbGateway.Command> writer(File file) {
    return file == File.DATA ? data : cache;
  }

  /** A reader of {@code file}, in turn; its writer if it has none (yet). */
  ActorRef<DbGateway.Command> reader(File file) {
    List<ActorRef<DbGateway.Command>> readers = file == File.DATA ? dataReaders : cacheReaders;
    if (readers.isEmpty()) {
      return writer(file);
    }
    int next = file == File.DATA ? nextDataReader++ : nextCacheReader++;
    return readers.get(Math.floorMod(next, readers.size()));
  }

  /** Whether {@code gateway} is a writer: the ones whose requests keep their order ({@link #send}). */
  boolean isWriter(ActorRef<DbGateway.Command> gateway) {
    return gateway.equals(data) || gateway.equals(cache);
  }

  /** Sends to a writer behind the requests that arrived before this one, or at once to a reader. */
  void send(ActorRef<DbGateway.Command> gateway, Runnable request) {
    if (gateway.equals(data)) {
      toData.send(request);
    } else if (gateway.equals(cache)) {
      toCache.send(request);
    } else {
      request.run();
    }
  }

  /** Asks a gateway, behind the requests that arrived before this one (see {@link #send}). */
  <S, R> CompletionStage<R> ask(
      ActorRef<DbGateway.Command> gateway, DbGateway.Mode mode, String what, DbGateway.Work<S, R> work) {
    return ask(gateway, replyTo -> new DbGateway.Execute<>(mode, what, work, replyTo));
  }

  <R> CompletionStage<R> ask(
      ActorRef<DbGateway.Command> gateway, Function<ActorRef<StatusReply<R>>, DbGateway.Command> request) {
    CompletableFuture<R> answer = new CompletableFuture<>();
    send(gateway, () -> AskPattern.askWithStatus(gateway, request::apply, settings.askTimeout(), scheduler)
        .whenComplete((value, error) -> {
          if (error != null) {
            answer.completeExceptionally(error);
          } else {
            answer.complete(value);
          }
        }));
    return answer;
  }

  /** Sends a request to a gateway, behind the requests that arrived before this one; it answers {@code replyTo}. */
  <S, R> void execute(ActorRef<DbGateway.Command> gateway, DbGateway.Mode mode, String what, DbGateway.Work<S, R> work,
      ActorRef<StatusReply<R>> replyTo) {
    send(gateway, () -> gateway.tell(new DbGateway.Execute<>(mode, what, work, replyTo)));
  }

  /** Keeps the place of a write to {@code file} whose request is not ready yet (being sealed). */
  InOrder.Slot reserve(File file) {
    return (file == File.DATA ? toData : toCache).reserve();
  }

  void fill(File file, InOrder.Slot slot, Runnable request) {
    (file == File.DATA ? toData : toCache).fill(slot, request);
  }

  /**
   * What tells the cache writer that a reader served {@code block}: its recency is refreshed in the
   * writer's next batch, before any eviction of that batch (INV-13), at no commit of its own.
   * Thread-safe: sent from the callback that answers the read.
   */
  static DbGateway.Command touch(ChunkId block) {
    return new DbGateway.Execute<CacheStore, Done>(DbGateway.Mode.DEFERRED, "refresh the recency of a block",
        store -> {
          store.touchBlocks(List.of(block));
          return Done.getInstance();
        }, null);
  }

  /** Every gateway of either file, readers first. */
  List<ActorRef<DbGateway.Command>> all() {
    List<ActorRef<DbGateway.Command>> all = new ArrayList<>(dataReaders);
    all.addAll(cacheReaders);
    all.add(data);
    all.add(cache);
    return all;
  }

  List<ActorRef<DbGateway.Command>> readers(File file) {
    return List.copyOf(file == File.DATA ? dataReaders : cacheReaders);
  }

  /** Closes every gateway (once); each answers {@code replyTo}. Writers commit what they hold first. */
  void closeAll(ActorRef<StatusReply<Done>> replyTo) {
    if (closing) {
      return;
    }
    closing = true;
    for (ActorRef<DbGateway.Command> reader : readers(File.DATA)) {
      reader.tell(new DbGateway.Close(replyTo));
    }
    for (ActorRef<DbGateway.Command> reader : readers(File.CACHE)) {
      reader.tell(new DbGateway.Close(replyTo));
    }
    toData.send(() -> data.tell(new DbGateway.Close(replyTo)));
    toCache.send(() -> cache.tell(new DbGateway.Close(replyTo)));
  }

  /** One gateway answered its Close. @return whether every gateway spawned is closed now */
  boolean closed() {
    return ++closed >= spawned;
  }

  /** Whether every gateway spawned has closed. */
  boolean allClosed() {
    return closed >= spawned;
  }
}
