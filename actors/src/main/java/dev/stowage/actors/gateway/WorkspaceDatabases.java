package dev.stowage.actors.gateway;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Store;
import java.nio.file.Path;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * The actors behind a local workspace's two database files, for its supervisor (used on its thread
 * only): each file's {@link DatabaseFile} (its writer, and readers beside it, {@code
 * read-connections}), and how many of them are open and closed.
 *
 * <p>The writers are spawned at once. The readers of a file are spawned once its writer has opened
 * it (the writer creates and migrates the file); until then reads go to the writer.
 */
public final class WorkspaceDatabases {
  private final Path dir;
  private final StorageSettings settings;
  private final WorkspaceHealth failure;
  private final ActorRef<GatewayEvent> events;
  private final DispatcherSelector pinned;
  private final DatabaseFile<DataStore> data;
  private final DatabaseFile<CacheStore> cache;

  private int spawned;
  private int opened;
  private int closed;
  private boolean closing;
  /** Who hears the closes, once {@link #closeAll} began; the writers close after every reader. */
  private ActorRef<StatusReply<Done>> closeReplies;
  private boolean writersClosing;

  public WorkspaceDatabases(ActorContext<?> context, String workspaceId, Path dir, StorageSettings settings, BlobCipher cipher,
      WorkspaceHealth failure, ActorRef<GatewayEvent> events) {
    this.dir = dir;
    this.settings = settings;
    this.failure = failure;
    this.events = events;
    this.pinned = DispatcherSelector.fromConfig(settings.gatewayDispatcher());
    boolean readersCheckpoint = settings.readConnections() > 0;
    String dataName = "workspace '" + workspaceId + "' data database";
    String cacheName = "workspace '" + workspaceId + "' cache database";
    this.data = new DatabaseFile<>(dataName, spawn(context, DbGateway.create(dataName,
        () -> DataStore.open(dir, settings.durability(), cipher, readersCheckpoint),
        settings.maxBatch(), settings.maxDelay(), events, failure), "data"),
        context.getSystem().scheduler(), settings.askTimeout());
    this.cache = new DatabaseFile<>(cacheName, spawn(context, DbGateway.create(cacheName,
        () -> CacheStore.open(dir, settings.durability(), cipher, settings.blockLimit(), readersCheckpoint),
        settings.maxBatch(), settings.maxDelay(), events, failure), "cache"),
        context.getSystem().scheduler(), settings.askTimeout());
  }

  private <S extends Store> ActorRef<GatewayCommand<S>> spawn(
      ActorContext<?> context, Behavior<GatewayCommand<S>> behavior, String name) {
    spawned++;
    return context.spawn(behavior, name, pinned);
  }

  public DatabaseFile<DataStore> data() {
    return data;
  }

  public DatabaseFile<CacheStore> cache() {
    return cache;
  }

  /**
   * One of this workspace's gateways opened its file; a writer's readers are spawned now.
   *
   * @return whether every gateway, readers included, is open now
   */
  public boolean opened(ActorContext<?> context, String database) {
    opened++;
    if (!closing && settings.readConnections() > 0) {
      if (database.equals(data.name())) {
        for (int i = 0; i < settings.readConnections(); i++) {
          data.addReader(spawn(context, DbReader.create(data.name() + " reader",
              () -> DataStore.openReader(dir), settings.checkpointInterval(), events, failure), "data-reader-" + i));
        }
      } else if (database.equals(cache.name())) {
        for (int i = 0; i < settings.readConnections(); i++) {
          cache.addReader(spawn(context, DbReader.create(cache.name() + " reader",
              () -> CacheStore.openReader(dir, settings.blockLimit()), settings.checkpointInterval(), events, failure),
              "cache-reader-" + i));
        }
      }
    }
    return opened == 2 + 2 * settings.readConnections();
  }

  /**
   * Closes every gateway (once), the readers first, then the writers, each file's last connection
   * (which checkpoints its WAL and removes it); each answers {@code replyTo}. Writers commit what
   * they hold first.
   */
  public void closeAll(ActorRef<StatusReply<Done>> replyTo) {
    if (closing) {
      return;
    }
    closing = true;
    closeReplies = replyTo;
    data.closeReaders(replyTo);
    cache.closeReaders(replyTo);
    closeWritersOnceReadersClosed();
  }

  /** One gateway answered its Close. @return whether every gateway spawned is closed now */
  public boolean closed() {
    closed++;
    closeWritersOnceReadersClosed();
    return closed >= spawned;
  }

  private void closeWritersOnceReadersClosed() {
    int readers = spawned - 2;
    if (closing && !writersClosing && closed >= readers) {
      writersClosing = true;
      data.closeWriter(closeReplies);
      cache.closeWriter(closeReplies);
    }
  }
}
