package dev.stowage.cluster;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The façade contract of SPEC section 6 ({@link WorkspaceStorageContract}, the same tests local
 * mode runs) in cluster mode in its default configuration, with cluster mode's own tests of it;
 * {@link ClusterContractMatrixTest} runs the contract over another point of the matrix.
 */
@DisplayName("WorkspaceStorage in cluster mode (PostgreSQL)")
class ClusterModeContractTest extends ClusterModeContract {

  @Test
  @DisplayName("INV-18: entity.max-active bounds a workspace's live entities on a node at every moment, the least recently used passivated (flushing)")
  void maxActiveBoundsTheEntitiesOfANode() {
    WorkspaceStorage storage = open("stowage.entity.max-active = 5");
    List<EntryId> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      EntryId id = EntryId.random();
      ids.add(id);
      result(storage.setManifest(id, folder(id, true, i), true, Set.of()));
      // an entity runs once it holds a permit, which its predecessor gives back once it has stopped
      assertThat(result(storage.stats()).liveEntities()).isLessThanOrEqualTo(5);
    }
    for (int i = 0; i < ids.size(); i++) { // the passivated ones flushed their cache-only values first
      LocalManifest read = result(storage.getManifest(ids.get(i)));
      assertThat(read.baseVersion()).isEqualTo(i);
      assertThat(result(storage.stats()).liveEntities()).isLessThanOrEqualTo(5);
    }
    result(storage.close());
  }

  @Test
  @DisplayName("Opening a workspace has every shard of its entities allocated before any command needs one, and leaves no entity running")
  void openingAllocatesEveryShard() throws Exception {
    String workspaceId = workspaceName();
    WorkspaceStorage storage = result(Stowage.open(system(), workspaceId, LocalKey.generate(), settings("")));
    int shards = ClusterSettings.fromConfig(system().settings().config()).numberOfShards();
    assertThat(result(ShardPreallocation.awaitAllocated(system(), workspaceId, Duration.ofSeconds(20))))
        .as("what awaitAllocated reports once they are").isEqualTo(shards);
    TestProbe.create(system()).awaitAssert(Duration.ofSeconds(20), () -> {
      ShardRegion.CurrentShardRegionState state = TestCluster.regionState(system(), workspaceId);
      assertThat(state.getShards()).as("shards allocated to the one node").hasSize(shards);
      assertThat(state.getShards()).as("the allocating entities stopped").allMatch(shard -> shard.getEntityIds().isEmpty());
      assertThat(result(storage.stats()).liveEntities()).isZero();
      return null;
    });
    result(storage.close());
  }

  @Test
  @DisplayName("awaitAllocated fails typed, in time, when the shards are not allocated (preallocation off)")
  void awaitAllocatedGivesUpTyped() {
    String workspaceId = workspaceName();
    // max-active below twice the shards: no preallocation, and no command has allocated any shard
    WorkspaceStorage storage = result(Stowage.open(system(), workspaceId, LocalKey.generate(),
        settings("stowage.entity.max-active = 10")));
    assertThat(failure(ShardPreallocation.awaitAllocated(system(), workspaceId, Duration.ofMillis(500))))
        .isInstanceOf(dev.stowage.protocol.StorageUnavailableException.class).hasMessageContaining("of its");
    result(storage.close());
  }

  @Test
  @DisplayName("ShardPreallocation names one entry of each shard, none twice")
  void oneEntryPerShard() {
    int shards = 100;
    List<EntryId> ids = ShardPreallocation.oneEntryPerShard("ws", shards);
    var extractor = new org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor<Object>(shards);
    assertThat(ids.stream().map(id -> extractor.shardId(ManifestIds.entityId("ws", id))).distinct().count())
        .isEqualTo(shards);
  }

  @Test
  @DisplayName("INV-6: the block cache removed while open fails the workspace on this node: every later call, close included, gets StorageFailedException; reopening finds what PostgreSQL holds")
  void aFailedBlockCacheFailsTheWorkspaceOnItsNode() throws Exception {
    String workspace = "failing-" + UUID.randomUUID();
    LocalKey key = LocalKey.generate();
    WorkspaceStorage storage = result(Stowage.open(system(), workspace, key));
    EntryId id = EntryId.random();
    FolderManifest written = new FolderManifest(id, EntryId.random(), 1, false, Instant.parse("2026-01-01T00:00:00Z"), Map.of());
    result(storage.setManifest(id, written));
    ChunkId chunk = ChunkId.random();
    result(storage.setChunk(chunk, new byte[] {1}));
    result(storage.setBlock(ChunkId.random(), new byte[] {2}));
    TestCluster.deleteRecursively(baseDir().resolve(workspace));

    Throwable first = failure(storage.setBlock(ChunkId.random(), new byte[] {3}));

    assertThat(first).isInstanceOf(StorageFailedException.class).hasMessageContaining("removed or replaced while open");
    assertThat(failure(storage.getManifest(id))).as("a manifest, which PostgreSQL still holds").isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.setManifest(id, written))).isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.getChunk(chunk))).isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.setChunk(ChunkId.random(), new byte[] {4}))).isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.clearMemoryCache(true))).isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.stats())).isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.close())).as("close of a failed workspace reports the failure")
        .isInstanceOf(StorageFailedException.class);
    assertThat(failure(storage.getManifest(id))).isInstanceOf(StorageClosedException.class);

    WorkspaceStorage reopened = result(Stowage.open(system(), workspace, key));
    assertThat(result(reopened.getManifest(id))).isEqualTo(written);
    assertThat(result(reopened.getChunk(chunk))).containsExactly(1);
    result(reopened.close());
  }
}
