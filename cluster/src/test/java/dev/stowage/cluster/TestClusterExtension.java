package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Await;
import dev.stowage.actors.WorkspaceNodes;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test cluster of a given size over the test PostgreSQL for each test class that registers it
 * (started before the class's tests, stopped with its temporary directory after them; its
 * {@code @Nested} classes, which inherit the extension, run on the same cluster). It is the
 * {@link WorkspaceNodes} of the mode-independent contracts, which open each workspace on every node
 * and spread their clients over them. An entry is cached by the node its shard lives on, which
 * this asks each node's shard region ({@code GetShardRegionState}); shards do not move while the
 * cluster runs (no node leaves, and {@link TestCluster} rebalances once an hour).
 */
final class TestClusterExtension implements BeforeAllCallback, AfterAllCallback, WorkspaceNodes {
  private final String prefix;
  private final int size;
  /** HOCON laid over every node's configuration (empty: the tests' defaults). */
  private final String extraConfig;
  private TestCluster cluster;
  /** The unique id of the class whose tests started {@link #cluster}, which stops it after them. */
  private String startedFor;

  TestClusterExtension(String prefix, int size) {
    this(prefix, size, "");
  }

  TestClusterExtension(String prefix, int size, String extraConfig) {
    this.prefix = prefix;
    this.size = size;
    this.extraConfig = extraConfig;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    if (cluster == null) { // else an enclosing class's, which a nested class shares
      cluster = TestCluster.inTemporaryDir(prefix, size, extraConfig);
      startedFor = context.getUniqueId();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null && context.getUniqueId().equals(startedFor)) {
      cluster.close();
      cluster = null;
      startedFor = null;
    }
  }

  ActorSystem<Void> node(int i) {
    return cluster.node(i);
  }

  /** Node {@code i}'s base directory (its block cache). */
  Path nodeDir(int i) {
    return cluster.nodeDir(i);
  }

  @Override
  public List<ActorSystem<?>> systems() {
    List<ActorSystem<?>> systems = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      systems.add(cluster.node(i));
    }
    return systems;
  }

  /**
   * Opens the workspace on every node, then waits until each node's shard region knows every
   * node's region of it: the contracts' workspace-wide calls (clearMemoryCache, need-sync) ask
   * for them, and refuse with {@code StorageUnavailableException} ("retry once the cluster has
   * settled") while the coordinator of a workspace just opened starts, which on a loaded build
   * machine once took longer than their budget (a soak failed so in CI).
   */
  @Override
  public List<WorkspaceStorage> open(String workspaceId, LocalKey key, Path baseDir, String overrides) {
    List<WorkspaceStorage> storages = WorkspaceNodes.super.open(workspaceId, key, baseDir, overrides);
    for (int node = 0; node < cluster.size(); node++) {
      ActorSystem<Void> system = cluster.node(node);
      TestProbe.create(system).awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(20), () -> {
        assertThat(Await.result(WorkspacePeers.regions(system, workspaceId, Duration.ofSeconds(1))))
            .as("the regions of '%s' that %s knows", workspaceId, system.address()).hasSize(cluster.size());
        return null;
      });
    }
    return storages;
  }

  @Override
  public Map<EntryId, Integer> cachingNodes(String workspaceId, Collection<EntryId> ids) {
    Map<String, Integer> shardNodes = new HashMap<>();
    for (int node = 0; node < cluster.size(); node++) {
      for (ShardRegion.ShardState shard : regionState(node, workspaceId).getShards()) {
        Integer other = shardNodes.put(shard.shardId(), node);
        if (other != null) {
          throw new AssertionError("shard " + shard.shardId() + " of '" + workspaceId + "' runs on nodes " + other
              + " and " + node);
        }
      }
    }
    HashCodeMessageExtractor<Object> extractor =
        new HashCodeMessageExtractor<>(ClusterNode.ID.apply(cluster.node(0)).settings().numberOfShards());
    Map<EntryId, Integer> nodes = new HashMap<>();
    for (EntryId id : ids) {
      String shard = extractor.shardId(ManifestIds.entityId(workspaceId, id));
      Integer node = shardNodes.get(shard);
      if (node == null) {
        throw new AssertionError("no node runs shard " + shard + " of '" + workspaceId + "', the shard of " + id);
      }
      nodes.put(id, node);
    }
    return nodes;
  }

  private ShardRegion.CurrentShardRegionState regionState(int node, String workspaceId) {
    return TestCluster.regionState(cluster.node(node), workspaceId);
  }
}
