package dev.stowage.cluster;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.StorageUnavailableException;
import dev.stowage.storage.LocalKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Need-sync and {@code clearMemoryCache} are workspace-wide in cluster mode ({@link
 * WorkspacePeers}): called on one node of three, they cover the entities the other two host. The
 * last test stops a node without downing it: the calls that need it fail typed, in time, and the
 * workspace goes on.
 *
 * <p>That test opens its workspace with an ask-timeout of 3 s (the failover tests' own), not the
 * default 10 s: each call that waits for the stopped node fails after three quarters of it, and
 * the calls after the down are retried until the coordinator drops the node's region (1 s after
 * the node is removed: {@link TestCluster}'s {@code down-removal-margin}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkspaceWideCallsTest {
  private static final int NODES = 3;
  private static final int KEYS = 30;
  private static final EntryId PARENT = new EntryId(new UUID(0, 1));

  private final LocalKey key = LocalKey.generate();
  private Path base;
  private TestCluster cluster;

  @BeforeAll
  void start() throws Exception {
    TestPostgres.requireReachable();
    base = Files.createTempDirectory("stowage-workspace-wide");
    // the default ask-timeout: a fresh cluster's first writes wait for its shards' allocation
    cluster = new TestCluster(NODES, base, "");
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    TestCluster.deleteRecursively(base);
  }

  /** A fresh workspace open on every node, and {@link #KEYS} entries written durably through node 0. */
  private final class Workspace {
    final String id = "wide-" + UUID.randomUUID();
    final List<WorkspaceStorage> nodes = new ArrayList<>();
    final List<EntryId> keys = new ArrayList<>();

    Workspace() throws Exception {
      this("");
    }

    /** Opened on every node with {@code overrides} (HOCON) laid over the node's {@code stowage} settings. */
    Workspace(String overrides) throws Exception {
      for (int i = 0; i < NODES; i++) {
        StorageSettings settings = StorageSettings.fromConfig(
            ConfigFactory.parseString(overrides).withFallback(cluster.node(i).settings().config()));
        nodes.add(Stowage.open(cluster.node(i), id, key, settings).toCompletableFuture().get(60, TimeUnit.SECONDS));
      }
      for (int i = 0; i < KEYS; i++) {
        EntryId entry = EntryId.random();
        keys.add(entry);
        result(nodes.get(0).setManifest(entry, folder(entry, 1, false)));
      }
    }

    /** The keys whose entity another node than node 0 hosts (the test needs some). */
    Set<EntryId> hostedElsewhere() throws Exception {
      Set<EntryId> elsewhere = new HashSet<>();
      for (int node = 1; node < NODES; node++) {
        elsewhere.addAll(hosted(node, id));
      }
      elsewhere.retainAll(keys);
      assertThat(elsewhere).as("some of the entities live on nodes 1 and 2").isNotEmpty();
      return elsewhere;
    }

    void closeAll() {
      nodes.forEach(storage -> result(storage.close()));
    }
  }

  @Test
  @Order(1)
  @DisplayName("INV-5 across nodes: need-sync on one node lays every node's dirty entries over the stored rows")
  void needSyncCoversEveryNodesDirtyEntries() throws Exception {
    Workspace workspace = new Workspace();
    Set<EntryId> elsewhere = workspace.hostedElsewhere();
    // half the keys: stored with need-sync, then written cache-only without it (the cache is authoritative)
    Set<EntryId> cleared = new HashSet<>();
    Set<EntryId> dirtyNeedSync = new HashSet<>();
    for (int i = 0; i < KEYS; i++) {
      EntryId entry = workspace.keys.get(i);
      if (i % 2 == 0) {
        result(workspace.nodes.get(0).setManifest(entry, folder(entry, 2, true)));
        result(workspace.nodes.get(0).setManifest(entry, folder(entry, 3, false), true, Set.of()));
        cleared.add(entry);
      } else {
        result(workspace.nodes.get(0).setManifest(entry, folder(entry, 2, true), true, Set.of()));
        dirtyNeedSync.add(entry);
      }
    }
    assertThat(cleared).as("a key of each kind lives elsewhere").containsAnyElementsOf(elsewhere);
    assertThat(dirtyNeedSync).as("a key of each kind lives elsewhere").containsAnyElementsOf(elsewhere);

    for (WorkspaceStorage node : workspace.nodes) {
      NeedSync needSync = result(node.getNeedSyncEntries());
      assertThat(needSync.local()).as("dirty with need-sync, wherever their entity lives")
          .containsAll(dirtyNeedSync)
          .as("stored with need-sync but dirty without it: the cache wins, wherever it is")
          .doesNotContainAnyElementsOf(cleared);
    }
    workspace.closeAll();
  }

  @Test
  @Order(2)
  @DisplayName("INV-11 across nodes: clearMemoryCache(true) on one node flushes and stops the entities of every node")
  void clearMemoryCacheWithFlushReachesEveryNode() throws Exception {
    Workspace workspace = new Workspace();
    workspace.hostedElsewhere();
    for (EntryId entry : workspace.keys) {
      result(workspace.nodes.get(0).setManifest(entry, folder(entry, 2, false), true, Set.of()));
    }
    result(workspace.nodes.get(0).clearMemoryCache(true));

    for (int node = 0; node < NODES; node++) {
      assertThat(result(workspace.nodes.get(node).stats()).dirtyEntries()).as("node %d holds nothing dirty", node)
          .isZero();
      int i = node;
      // the stops reach each node's supervisor after the entities are gone
      TestProbe.create(cluster.node(0)).awaitAssert(Duration.ofSeconds(10), () -> {
        assertThat(hosted(i, workspace.id)).as("node %d hosts no entity of the workspace", i).isEmpty();
        return null;
      });
    }
    for (EntryId entry : workspace.keys) { // reloaded from PostgreSQL by new entities: flushed before the stop
      assertThat(result(workspace.nodes.get(1).getManifest(entry)).baseVersion()).as("%s", entry).isEqualTo(2);
    }
    workspace.closeAll();
  }

  @Test
  @Order(3)
  @DisplayName("INV-11 across nodes: clearMemoryCache(false) on one node drops the dirty entries of every node")
  void clearMemoryCacheWithoutFlushReachesEveryNode() throws Exception {
    Workspace workspace = new Workspace();
    workspace.hostedElsewhere();
    for (EntryId entry : workspace.keys) {
      result(workspace.nodes.get(0).setManifest(entry, folder(entry, 2, false), true, Set.of()));
    }
    result(workspace.nodes.get(0).clearMemoryCache(false));

    for (EntryId entry : workspace.keys) {
      assertThat(result(workspace.nodes.get(2).getManifest(entry)).baseVersion())
          .as("%s: the cache-only write was dropped, the stored value is back", entry).isEqualTo(1);
    }
    workspace.closeAll();
  }

  @Test
  @Order(4)
  @DisplayName("A node that does not answer fails need-sync and clearMemoryCache with StorageUnavailableException within"
      + " ask-timeout; the workspace stays open, and once the node is downed both work again")
  void anUnansweringNodeFailsTheWorkspaceWideCallsTyped() throws Exception {
    // not the cluster's first workspace: its shards are allocated within a second, and each call
    // that waits for the stopped node fails after three quarters of 3 s
    Workspace workspace = new Workspace("stowage.ask-timeout = 3s");
    int victim = NODES - 1;
    assertThat(hosted(victim, workspace.id)).as("the victim hosts entities").isNotEmpty();
    var address = Cluster.get(cluster.node(victim)).selfMember().address();
    cluster.node(victim).terminate(); // not left, not downed: the coordinator still lists its region
    cluster.node(victim).getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);

    WorkspaceStorage survivor = workspace.nodes.get(0);
    assertThat(failure(survivor.getNeedSyncEntries())).isInstanceOf(StorageUnavailableException.class)
        .hasMessageContaining(workspace.id);
    assertThat(failure(survivor.clearMemoryCache(true))).isInstanceOf(StorageUnavailableException.class);
    assertThat(result(survivor.getRealmCheckpoint())).as("the workspace is still open").isZero();

    Cluster.get(cluster.node(0)).manager().tell(new Down(address));
    TestProbe.create(cluster.node(0)).awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
      result(survivor.getNeedSyncEntries());
      return null;
    });
    result(survivor.clearMemoryCache(true));
    for (EntryId entry : workspace.keys) { // the victim's entities moved to the survivors
      assertThat(result(workspace.nodes.get(1).getManifest(entry)).baseVersion()).isEqualTo(1);
    }
    result(workspace.nodes.get(0).close());
    result(workspace.nodes.get(1).close());
  }

  private Set<EntryId> hosted(int node, String workspaceId) {
    return TestCluster.hostedEntities(cluster.node(node), workspaceId);
  }

  private static FolderManifest folder(EntryId id, long version, boolean needSync) {
    return new FolderManifest(id, PARENT, version, needSync, Instant.EPOCH, Map.of());
  }
}
