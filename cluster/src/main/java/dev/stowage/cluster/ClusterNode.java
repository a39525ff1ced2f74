package dev.stowage.cluster;

import com.zaxxer.hikari.HikariDataSource;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityWorkspace;
import dev.stowage.actors.feed.ChangePublisher;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.actors.entity.ManifestEntity;
import dev.stowage.actors.health.OpenWorkspaces;
import dev.stowage.actors.workspace.WorkspaceBackend;
import dev.stowage.actors.workspace.WorkspaceOwner;
import dev.stowage.actors.workspace.WorkspaceSupervisor;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.persistence.jdbc.state.javadsl.JdbcDurableStateStore;
import org.apache.pekko.persistence.state.DurableStateStoreRegistry;
import org.apache.pekko.persistence.state.javadsl.DurableStateStore;
import org.apache.pekko.serialization.SerializationExtension;

/**
 * Cluster mode's per-node resources, one set per ActorSystem: the chunk gateway's {@link
 * ClusterDatabase}, the durable-state store, and for every workspace opened on this node the
 * sharded manifest entities and the node's {@link WorkspaceSupervisor} over a {@link ClusterWorkspace}.
 * It makes PostgreSQL a store the node's open workspaces depend on ({@link OpenWorkspaces}, {@link
 * PostgresProbe}): the readiness check asks it while one is open. Its {@link WorkspacePeers} serve
 * the other nodes' workspace-wide calls, and its {@link DroppedCommands} answer the commands dropped
 * here on their way to an entity.
 *
 * <p>Entities of a workspace run only on nodes that opened it (one sharding entity type per
 * workspace): a node needs the workspace's key to host its entities.
 */
final class ClusterNode implements Extension {
  static final ExtensionId<ClusterNode> ID = new ExtensionId<>() {
    @Override
    public ClusterNode createExtension(ActorSystem<?> system) {
      return new ClusterNode(system);
    }
  };

  private final ActorSystem<?> system;
  private final ClusterSettings settings;
  private final ClusterDatabase database;
  private final CompletableFuture<Void> schema;
  private final DurableStateStore<byte[]> store;
  private final DurableStateRows rows;
  /** The group commit of this node's manifest writes: writers with a connection each; a row always takes the same. */
  private final List<ActorRef<DurableStateWriter.Command>> writers = new ArrayList<>();
  /** The workspaces open on this node. */
  private final Map<String, OpenWorkspace> open = new ConcurrentHashMap<>();
  /**
   * Per workspace, the supervisors on this node its entities report to: the open one, and one
   * that is still closing (it waits for its entities' stops after a later open has begun).
   */
  private final Map<String, Set<ActorRef<SupervisorMessage>>> listeners = new ConcurrentHashMap<>();
  private final AtomicLong spawned = new AtomicLong();
  /** The change-feed relay of each workspace whose entities this node has started ({@link FeedRelay}). */
  private final Map<String, FeedRelay.Handle> relays = new ConcurrentHashMap<>();
  /** Refuses this node's manifest calls while it cannot reach a majority, or has been downed. */
  private final MajorityFence fence;
  /** The permits of each workspace's entities on this node (INV-18), as long-lived as its shard region. */
  private final Map<String, EntityPermits> permits = new ConcurrentHashMap<>();

  private record OpenWorkspace(LocalKey key, CompletableFuture<WorkspaceStorage> storage) {}

  @SuppressWarnings("unchecked")
  private ClusterNode(ActorSystem<?> system) {
    this.system = system;
    this.settings = ClusterSettings.fromConfig(system.settings().config());
    this.database = new ClusterDatabase(settings,
        system.dispatchers().lookup(DispatcherSelector.fromConfig(ClusterSettings.JDBC_DISPATCHER)));
    StorageSettings defaults = StorageSettings.fromConfig(system.settings().config());
    // the readiness check asks PostgreSQL while a workspace is open here (OpenWorkspaces); its
    // timeout fires on Stowage's dispatcher, which a PostgreSQL outage does not tie up as it does jdbc
    OpenWorkspaces.get(system).dependsOn("PostgreSQL", new PostgresProbe(database, settings.readinessTimeout(),
        system.scheduler(), system.dispatchers().lookup(DispatcherSelector.fromConfig(defaults.dispatcher()))));
    this.schema = settings.applySchema()
        ? CompletableFuture.runAsync(database::applySchema,
            system.dispatchers().lookup(DispatcherSelector.fromConfig(ClusterSettings.JDBC_DISPATCHER)))
        : CompletableFuture.completedFuture(null);
    this.store = DurableStateStoreRegistry.get(system)
        .getDurableStateStoreFor(JdbcDurableStateStore.class, JdbcDurableStateStore.Identifier());
    HikariDataSource manifests = ClusterDatabase.pool(settings, "stowage-manifests", settings.manifestWriters());
    this.rows = new DurableStateRows(SerializationExtension.get(system));
    for (int i = 0; i < settings.manifestWriters(); i++) {
      writers.add(system.systemActorOf(DurableStateWriter.create(manifests, rows, settings.manifestMaxBatch()),
          "stowage-manifest-writer-" + i, DispatcherSelector.fromConfig(ClusterSettings.MANIFEST_WRITER_DISPATCHER)));
    }
    system.systemActorOf(WorkspacePeers.create(this::supervisorsOf, defaults.askTimeout()), WorkspacePeers.NAME,
        DispatcherSelector.fromConfig(defaults.dispatcher()));
    this.fence = MajorityFence.start(system);
    // commands dropped here on their way to an entity (a shard hand-off): answered at once, not after ask-timeout
    system.systemActorOf(DroppedCommands.create(), DroppedCommands.NAME, DispatcherSelector.fromConfig(defaults.dispatcher()));
    system.getWhenTerminated().thenRun(() -> {
      database.close();
      manifests.close();
    });
  }

  ClusterSettings settings() {
    return settings;
  }

  /** The fence of this node's manifest calls (MajorityFence). */
  MajorityFence fence() {
    return fence;
  }

  ClusterDatabase database() {
    return database;
  }

  /** How manifest rows are written, in the plugin's format (a tree transaction writes them too). */
  DurableStateRows rows() {
    return rows;
  }

  /** Completes when the schema exists (at once unless {@code apply-schema} is on). */
  CompletionStage<Void> schemaReady() {
    return schema;
  }

  /**
   * Opens {@code workspaceId} on this node, a supervisor over the backend {@code backend} makes with
   * the workspace's health on this node: the same storage if it is open already with this key, a
   * refusal with another key.
   */
  CompletionStage<WorkspaceStorage> open(String workspaceId, LocalKey key, StorageSettings storageSettings,
      Function<WorkspaceHealth, WorkspaceBackend.Factory> backend) {
    OpenWorkspace workspace = open.compute(workspaceId, (id, current) -> {
      if (current != null) {
        return current;
      }
      CompletableFuture<WorkspaceStorage> storage = new CompletableFuture<>();
      WorkspaceHealth health = new WorkspaceHealth(); // this node's view of the workspace
      system.systemActorOf(
          WorkspaceSupervisor.create(workspaceId, storageSettings, health, owner(workspaceId, storage),
              backend.apply(health)),
          "stowage-cluster-" + spawned.incrementAndGet(), DispatcherSelector.fromConfig(storageSettings.dispatcher()));
      return new OpenWorkspace(key, storage);
    });
    if (!workspace.key().equals(key)) {
      return CompletableFuture.failedFuture(new InvalidRequestException(
          "workspace '" + workspaceId + "' is already open on this node with another key"));
    }
    return workspace.storage();
  }

  /**
   * What the node learns of a workspace's supervisor: its storage once open; and, once it failed to
   * open, began closing or released its files after a failure, that a later open starts afresh.
   */
  private WorkspaceOwner owner(String workspaceId, CompletableFuture<WorkspaceStorage> storage) {
    return new WorkspaceOwner() {
      @Override
      public void opened(WorkspaceStorage opened) {
        storage.complete(opened);
      }

      @Override
      public void openFailed(StorageException cause) {
        unregister(workspaceId, storage);
        storage.completeExceptionally(cause);
      }

      @Override
      public void closing() {
        unregister(workspaceId, storage);
      }

      @Override
      public void released() {
        unregister(workspaceId, storage);
      }
    };
  }

  /**
   * Starts (or finds) the sharded manifest entities of {@code workspaceId} on this node; returns
   * the region that routes envelopes to them. Each runs once it holds one of the workspace's
   * {@link EntityPermits} on this node ({@link PermittedEntity}).
   */
  ActorRef<ShardingEnvelope<Object>> startEntities(
      String workspaceId, BlobCipher cipher, StorageSettings storageSettings) {
    ChangePublisher changes = feedRelay(workspaceId).publisher();
    // the region's entities all take this node's permits of the workspace: the first open's, as the region keeps its limit
    EntityPermits entityPermits = permits.computeIfAbsent(workspaceId, id -> new EntityPermits(storageSettings.maxActive()));
    return ClusterSharding.get(system).init(Entity.of(ManifestIds.typeKey(workspaceId), context -> {
          EntryId id = ManifestIds.entryOfEntityId(context.getEntityId());
          String persistenceId = ManifestIds.persistenceId(workspaceId, id);
          ManifestBackend backend = new DurableStateManifestBackend(store,
              writers.get(Math.floorMod(persistenceId.hashCode(), writers.size())), workspaceId, database);
          ShardHost host = new ShardHost(context.getShard(), event -> {
            Set<ActorRef<SupervisorMessage>> supervisors = listeners.get(workspaceId);
            if (supervisors != null) {
              supervisors.forEach(supervisor -> supervisor.tell(event));
            }
          });
          return PermittedEntity.create(entityPermits, () -> ManifestEntity.create(id, backend, cipher, host,
              storageSettings.passivateAfter(), EntityWorkspace.unshared(changes)));
        })
        .withStopMessage(EntityCommand.Lifecycle.FLUSH_AND_STOP)
        .withMessageExtractor(new HashCodeMessageExtractor<>(settings.numberOfShards()))
        // Stowage's own threads, sized to the machine, as in local mode (stowage.dispatcher)
        .withEntityProps(DispatcherSelector.fromConfig(storageSettings.dispatcher()))
        .withSettings(entitySettings(storageSettings)));
  }

  /**
   * {@code entity.max-active} bounds the entities of one workspace on one node, as local mode bounds
   * those of one workspace: strictly, by the {@link EntityPermits} each entity runs with. It is
   * Cluster Sharding's active entity limit of the region too, which chooses whom to stop: past it the
   * shard passivates its least recently used entities (with the stop message, so they flush first),
   * and their permits go to the entities that wait. The region keeps the limit of the first open of
   * the workspace on this node, as the permits do.
   */
  private ClusterShardingSettings entitySettings(StorageSettings storageSettings) {
    ClusterShardingSettings sharding = ClusterShardingSettings.create(system);
    return sharding.withPassivationStrategy(sharding.passivationStrategySettings()
        .withActiveEntityLimit(storageSettings.maxActive())
        .withLeastRecentlyUsedReplacement());
  }

  /** The workspace's supervisor on this node is closing (or gone): a later open starts afresh. */
  private void unregister(String workspaceId, CompletableFuture<WorkspaceStorage> storage) {
    open.computeIfPresent(workspaceId, (id, current) -> current.storage() == storage ? null : current);
  }

  /**
   * The change-feed relay of {@code workspaceId} on this node, started the first time: it lives as
   * long as the node, as the workspace's shard region does.
   */
  FeedRelay.Handle feedRelay(String workspaceId) {
    return relays.computeIfAbsent(workspaceId, id -> {
      AtomicBoolean wanted = new AtomicBoolean();
      return new FeedRelay.Handle(system.systemActorOf(FeedRelay.create(id, wanted),
          "stowage-feed-" + spawned.incrementAndGet(), Props.empty()), wanted);
    });
  }

  /** From now on {@code supervisor} hears what the entities of {@code workspaceId} on this node report. */
  void listen(String workspaceId, ActorRef<SupervisorMessage> supervisor) {
    listeners.computeIfAbsent(workspaceId, id -> ConcurrentHashMap.newKeySet()).add(supervisor);
  }

  /** The supervisors of {@code workspaceId} on this node (a snapshot; empty if it is not open here). */
  private Set<ActorRef<SupervisorMessage>> supervisorsOf(String workspaceId) {
    Set<ActorRef<SupervisorMessage>> supervisors = listeners.get(workspaceId);
    return supervisors == null ? Set.of() : Set.copyOf(supervisors);
  }

  /** {@code supervisor} has closed (or failed to open): it hears no more reports. */
  void stopListening(String workspaceId, ActorRef<SupervisorMessage> supervisor) {
    listeners.computeIfPresent(workspaceId, (id, supervisors) -> {
      supervisors.remove(supervisor);
      return supervisors.isEmpty() ? null : supervisors;
    });
  }
}
