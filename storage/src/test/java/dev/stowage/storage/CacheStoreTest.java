package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block limit a cache database records: a host's open records its own, a tool's open records
 * nothing, and a file from before the record is migrated without one.
 */
class CacheStoreTest {
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());
  @TempDir Path dir;

  private List<ChunkId> putBlocks(CacheStore cache, int count) {
    List<ChunkId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ChunkId id = ChunkId.random();
      cache.database().begin();
      cache.putBlock(id, 3, new byte[] {1, 2, 3});
      cache.database().commit();
      ids.add(id);
    }
    return ids;
  }

  @Test
  void aHostsOpenRecordsItsBlockLimitAndAnotherLimitReplacesIt() {
    Instant before = Instant.now().minusMillis(1);
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 2048)) {
      assertThat(cache.recordedBlockLimit()).hasValueSatisfying(recorded -> {
        assertThat(recorded.blocks()).isEqualTo(2048);
        assertThat(recorded.since()).isAfter(before);
      });
    }
    Instant first;
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 2048)) {
      first = cache.recordedBlockLimit().orElseThrow().since();
    }
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 2048)) {
      assertThat(cache.recordedBlockLimit().orElseThrow().since()).as("the same limit again changes nothing").isEqualTo(first);
    }

    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 600)) {
      assertThat(cache.recordedBlockLimit().orElseThrow().blocks()).isEqualTo(600);
    }
  }

  @Test
  @DisplayName("INV-13: a host that opens its cache with a lower limit evicts down to it at once, least recently accessed first")
  void aLowerLimitEvictsAtOpen() {
    List<ChunkId> ids;
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 20)) {
      ids = putBlocks(cache, 20);
    }

    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 8)) {
      assertThat(cache.blocks().count()).isEqualTo(8);
      assertThat(cache.counters().evictions()).isEqualTo(12);
      assertThat(cache.blocks().table().presentAmong(ids)).containsExactlyInAnyOrderElementsOf(ids.subList(12, 20));
    }
  }

  @Test
  void aToolsOpenRecordsNothingAndEvictsNothing() {
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 20)) {
      putBlocks(cache, 20);
    }

    try (CacheStore tool = CacheStore.openToCheck(dir, Durability.NORMAL, cipher)) {
      assertThat(tool.recordedBlockLimit().orElseThrow().blocks()).isEqualTo(20);
      assertThat(tool.blocks().limit()).isEqualTo(20);
      assertThat(tool.blocks().count()).isEqualTo(20);
    }
  }

  @Test
  @DisplayName("INV-19: a cache file of schema version 1 is migrated with no recorded limit, its blocks kept; a tool's open records none, a host's does")
  void aVersionOneCacheHasNoRecordedLimitUntilAHostOpensIt() throws Exception {
    List<ChunkId> ids;
    try (CacheStore cache = CacheStore.open(dir, Durability.NORMAL, cipher, 20)) {
      ids = putBlocks(cache, 5);
    }
    Path file = dir.resolve(DatabaseKind.CACHE.fileName());
    TestDatabases.rawExecute(file, "DROP TABLE block_limit"); // what a file written before schema version 2 looks like
    TestDatabases.rawExecute(file, "PRAGMA user_version = 1");

    try (CacheStore tool = CacheStore.openToCheck(dir, Durability.NORMAL, cipher)) {
      assertThat(tool.database().schemaVersion()).isEqualTo(2).isEqualTo(CacheStore.schemaVersion());
      assertThat(tool.recordedBlockLimit()).isEmpty();
      assertThat(tool.blocks().table().presentAmong(ids)).hasSize(5);
    }
    try (CacheStore tool = CacheStore.openToCheck(dir, Durability.NORMAL, cipher)) {
      assertThat(tool.recordedBlockLimit()).as("a tool records nothing").isEmpty();
    }

    try (CacheStore host = CacheStore.open(dir, Durability.NORMAL, cipher, 4096)) {
      assertThat(host.recordedBlockLimit().orElseThrow().blocks()).isEqualTo(4096);
      assertThat(host.blocks().count()).isEqualTo(5);
    }
  }
}
