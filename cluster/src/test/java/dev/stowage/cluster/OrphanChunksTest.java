package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stowage gc} in cluster mode: orphan chunks go, referenced and young ones stay. */
class OrphanChunksTest {
  @TempDir Path base;

  @Test
  @DisplayName("INV-1: gc deletes only chunks no stored manifest references, and only those older than the grace")
  void collectsOnlyOldUnreferencedChunks() throws Exception {
    TestPostgres.requireReachable();
    try (TestCluster cluster = new TestCluster(1, base, "")) {
      String workspace = "gc-" + UUID.randomUUID();
      LocalKey key = LocalKey.generate();
      WorkspaceStorage storage = Stowage.open(cluster.node(0), workspace, key).toCompletableFuture().get(60, TimeUnit.SECONDS);
      ChunkId referenced = ChunkId.random();
      ChunkId orphan = ChunkId.random();
      EntryId file = EntryId.random();
      storage.setChunk(referenced, new byte[10]).toCompletableFuture().get(20, TimeUnit.SECONDS);
      storage.setChunk(orphan, new byte[10]).toCompletableFuture().get(20, TimeUnit.SECONDS);
      storage.setManifest(file, new FileManifest(file, EntryId.random(), 0, false, Instant.EPOCH, 10, 10,
          List.of(new ChunkRef(referenced, 0, 10)))).toCompletableFuture().get(20, TimeUnit.SECONDS);

      OrphanChunks.Result young = OrphanChunks.collect(cluster.node(0), workspace, key, Duration.ofHours(1))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(young.deleted()).isZero();

      OrphanChunks.Result collected = OrphanChunks.collect(cluster.node(0), workspace, key, Duration.ZERO)
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(collected).isEqualTo(new OrphanChunks.Result(1, 1, 2, 1));
      assertThat(storage.getLocalChunkIds(List.of(referenced, orphan)).toCompletableFuture().get(20, TimeUnit.SECONDS))
          .containsExactly(referenced);
    }
  }
}
