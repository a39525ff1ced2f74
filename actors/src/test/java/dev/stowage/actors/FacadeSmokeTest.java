package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FacadeSmokeTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Test
  void everyKindOfDataRoundTripsAndSurvivesReopening(@TempDir Path dir) throws Exception {
    StorageSettings settings = TestSettings.in(dir);
    LocalKey key = LocalKey.generate();
    WorkspaceStorage storage = Stowage.open(testKit.system(), "ws", key, settings).toCompletableFuture().get();
    EntryId id = EntryId.random();
    FolderManifest folder = new FolderManifest(id, EntryId.random(), 0, true, Instant.EPOCH, Map.of("a", EntryId.random()));
    ChunkId chunk = ChunkId.random();
    ChunkId block = ChunkId.random();

    storage.setChunk(chunk, new byte[] {1, 2, 3}).toCompletableFuture().get();
    storage.setBlock(block, new byte[] {4, 5}).toCompletableFuture().get();
    storage.setManifest(id, folder, true, Set.of()).toCompletableFuture().get();
    assertThat(storage.getManifest(id).toCompletableFuture().get()).isEqualTo(folder);
    assertThat(storage.getChunk(chunk).toCompletableFuture().get()).containsExactly(1, 2, 3);
    assertThat(storage.getBlock(block).toCompletableFuture().get()).containsExactly(4, 5);
    assertThat(storage.getLocalChunkIds(List.of(chunk, ChunkId.random())).toCompletableFuture().get()).containsExactly(chunk);
    assertThat(storage.getNeedSyncEntries().toCompletableFuture().get().local()).containsExactly(id);
    StorageStats stats = storage.stats().toCompletableFuture().get();
    assertThat(stats.liveEntities()).isEqualTo(1);
    assertThat(stats.dirtyEntries()).isEqualTo(1);
    storage.close().toCompletableFuture().get();

    WorkspaceStorage reopened = Stowage.open(testKit.system(), "ws", key, settings).toCompletableFuture().get();
    assertThat(reopened).isNotSameAs(storage);
    assertThat(reopened.getManifest(id).toCompletableFuture().get()).isEqualTo(folder);
    assertThat(reopened.getChunk(chunk).toCompletableFuture().get()).containsExactly(1, 2, 3);
    reopened.close().toCompletableFuture().get();
  }

  @Test
  void callbacksOnAStageRunOnTheThreadThatCompletesItNotOnANewThreadEach(@TempDir Path dir) throws Exception {
    WorkspaceStorage storage = Stowage.open(testKit.system(), "ws", LocalKey.generate(), TestSettings.in(dir))
        .toCompletableFuture().get();
    try {
      String callbackThread = storage.getRealmCheckpoint()
          .thenApply(checkpoint -> Thread.currentThread().getName())
          .toCompletableFuture().get();

      // Pekko's own ask stage would run this on the common pool (on 2 cores: a new thread per callback).
      assertThat(callbackThread).doesNotContain("ForkJoinPool.commonPool").doesNotStartWith("Thread-");
    } finally {
      storage.close().toCompletableFuture().get();
    }
  }
}
