package dev.stowage.actors;

import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.actors.workspace.LocalWorkspace;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader connections beside each writer ({@code stowage.read-connections}): reads that do not
 * wait for the writer, reads that still see the caller's own unanswered writes, and block reads
 * whose recency reaches the writer without a commit of their own.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReaderConnectionsTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;

  private WorkspaceStorage open(String name, String overrides) {
    return result(Stowage.open(testKit.system(), name, LocalKey.generate(), TestSettings.in(base, overrides)));
  }

  /** Holds the data writer's thread inside a work until {@code release} counts down. */
  private CompletionStage<Integer> holdTheDataWriter(WorkspaceStorage storage, CountDownLatch holding,
      CountDownLatch release) {
    return AskPattern.<Object, Integer>askWithStatus(storage.supervisor().unsafeUpcast(),
        replyTo -> new LocalWorkspace.RunOnDataStore<>(StoreOperation.read("hold the writer", (DataStore store) -> {
          holding.countDown();
          try {
            return release.await(30, TimeUnit.SECONDS) ? 1 : 0;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
          }
        }), replyTo),
        Duration.ofSeconds(60), testKit.system().scheduler());
  }

  @Test
  @DisplayName("INV-12: chunk reads, manifest loads and block reads are answered while the writer is busy")
  void readsDoNotWaitForTheWriter() throws Exception {
    WorkspaceStorage storage = open("busy-writer", "");
    ChunkId chunk = ChunkId.random();
    ChunkId block = ChunkId.random();
    EntryId manifest = EntryId.random();
    result(storage.setChunk(chunk, new byte[] {1, 2, 3}));
    result(storage.setBlock(block, new byte[] {4, 5}));
    result(storage.setManifest(manifest, new FolderManifest(manifest, manifest, 1, false, Instant.EPOCH, Map.of())));
    result(storage.clearMemoryCache(true)); // the next read of the manifest loads it

    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletionStage<Integer> held = holdTheDataWriter(storage, holding, release);
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      assertThat(result(storage.getChunk(chunk))).containsExactly(1, 2, 3);
      assertThat(result(storage.getLocalChunkIds(List.of(chunk, ChunkId.random())))).containsExactly(chunk);
      assertThat(result(storage.getManifest(manifest)).baseVersion()).isEqualTo(1);
      assertThat(result(storage.getBlock(block))).containsExactly(4, 5);
      assertThat(held.toCompletableFuture().isDone()).as("the writer was held all along").isFalse();
    } finally {
      release.countDown();
    }
    assertThat(result(held)).isEqualTo(1);
    result(storage.close());
  }

  @Test
  @DisplayName("INV-17: a read sent right after an unanswered write of the same chunk or block reads that write")
  void aCallerReadsItsOwnUnansweredWrites() {
    WorkspaceStorage storage = open("own-writes", "");
    for (int i = 0; i < 200; i++) {
      ChunkId chunk = ChunkId.random();
      byte[] data = {(byte) i, 7};
      CompletionStage<?> write = storage.setChunk(chunk, data);
      CompletionStage<byte[]> read = storage.getChunk(chunk); // not waiting for the write
      CompletionStage<Set<ChunkId>> present = storage.getLocalChunkIds(List.of(chunk));
      assertThat(result(read)).as("round %d", i).isEqualTo(data);
      assertThat(result(present)).containsExactly(chunk);
      result(write);

      ChunkId block = ChunkId.random();
      CompletionStage<?> blockWrite = storage.setBlock(block, data);
      assertThat(result(storage.getBlock(block))).isEqualTo(data);
      result(blockWrite);
    }
    result(storage.close());
  }

  @Test
  @DisplayName("INV-13: a block read on a reader costs no commit of its own, and still counts for the LRU")
  void blockReadsRefreshRecencyWithoutCommits() {
    WorkspaceStorage storage = open("recency", "stowage { cache-size = 20 KiB, block-size = 1 KiB }");
    List<ChunkId> blocks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ChunkId id = ChunkId.random();
      blocks.add(id);
      result(storage.setBlock(id, new byte[] {(byte) i}));
    }
    long commitsBefore = result(storage.stats()).cache().commits();
    ChunkId oldest = blocks.get(0);
    for (int i = 0; i < 30; i++) {
      assertThat(result(storage.getBlock(oldest))).containsExactly(0);
    }
    StorageStats afterReads = result(storage.stats());
    assertThat(afterReads.cache().commits()).as("30 reads, no commit of their own").isEqualTo(commitsBefore);
    assertThat(afterReads.blockHits()).isGreaterThanOrEqualTo(30);

    result(storage.setBlock(ChunkId.random(), new byte[] {99})); // over the limit: evicts 3
    assertThat(result(storage.getBlock(oldest))).as("read recently: not evicted").containsExactly(0);
    assertThat(result(storage.stats()).blocks()).isEqualTo(18);
    result(storage.close());
  }

  @Test
  @DisplayName("INV-13: deferred recency commits on its own when no write comes")
  void deferredRecencyCommitsOnItsOwn() {
    WorkspaceStorage storage = open("deferred", "");
    ChunkId block = ChunkId.random();
    result(storage.setBlock(block, new byte[] {1}));
    long before = result(storage.stats()).cache().commits();

    result(storage.getBlock(block));

    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(result(storage.stats()).cache().commits()).isEqualTo(before + 1);
      return null;
    });
    result(storage.close());
  }

  @Test
  void withoutReadersTheWriterServesEverything() {
    WorkspaceStorage storage = open("no-readers", "stowage.read-connections = 0");
    ChunkId block = ChunkId.random();
    result(storage.setBlock(block, new byte[] {1}));
    long before = result(storage.stats()).cache().commits();
    List<CompletableFuture<byte[]>> reads = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      reads.add(storage.getBlock(block).toCompletableFuture());
    }
    reads.forEach(read -> assertThat(result(read)).containsExactly(1));
    assertThat(result(storage.stats()).cache().commits()).as("each read's recency joins a batch")
        .isGreaterThan(before);
    result(storage.close());
  }

  @Test
  @DisplayName("INV-10: once the supervisor closes the workspace, reads that could reach a reader are answered as closed, not timed out")
  void readsAfterAnotherCloseAreClosedNotLost() {
    // An ask timeout longer than Await's 20 s: a read sent to a stopped reader would fail the test, not time out.
    WorkspaceStorage storage = open("closed-elsewhere", "stowage.ask-timeout = 60s");
    ChunkId chunk = ChunkId.random();
    result(storage.setChunk(chunk, new byte[] {1}));
    // As CoordinatedShutdown does: the close reaches the supervisor, not this façade.
    result(AskPattern.<StorageCommand, Done>askWithStatus(storage.supervisor(),
        StorageCommand.Close::new, Duration.ofSeconds(30), testKit.system().scheduler()));

    assertThat(Await.failure(storage.getChunk(chunk))).isInstanceOf(StorageClosedException.class);
    assertThat(Await.failure(storage.getBlock(chunk))).isInstanceOf(StorageClosedException.class);
    assertThat(Await.failure(storage.getLocalChunkIds(List.of(chunk))))
        .isInstanceOf(StorageClosedException.class);
  }
}
