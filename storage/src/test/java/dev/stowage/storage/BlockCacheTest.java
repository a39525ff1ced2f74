package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.StorageFailedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockCacheTest {
  private static final int LIMIT = 20;

  @TempDir Path dir;
  private LocalDatabase db;
  private BlockCache blocks;

  @BeforeEach
  void open() {
    db = TestDatabases.openCache(dir);
    blocks = new BlockCache(db, LIMIT);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private List<ChunkId> insert(int count) {
    List<ChunkId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ChunkId id = ChunkId.random();
      db.begin();
      blocks.put(id, 3, new byte[] {1, 2, 3});
      db.commit();
      ids.add(id);
      assertThat(blocks.count()).as("after write %d", i).isLessThanOrEqualTo(LIMIT);
    }
    return ids;
  }

  @Test
  @DisplayName("INV-13: the count never exceeds the limit after a write; the overflow evicts extra + limit/10")
  void evictionKeepsTheCountWithinTheLimit() {
    List<ChunkId> ids = insert(LIMIT);
    assertThat(blocks.count()).isEqualTo(LIMIT);

    db.begin();
    int evicted = blocks.put(ChunkId.random(), 3, new byte[3]);
    db.commit();

    assertThat(evicted).isEqualTo(1 + LIMIT / 10);
    assertThat(blocks.count()).isEqualTo(LIMIT + 1 - evicted);
    // The least recently accessed went first: the first ones inserted.
    assertThat(blocks.table().presentAmong(ids.subList(0, evicted))).isEmpty();
    assertThat(blocks.table().presentAmong(ids.subList(evicted, LIMIT))).hasSize(LIMIT - evicted);
  }

  @Test
  @DisplayName("INV-13: reads refresh recency, so a block read recently survives eviction")
  void readsRefreshRecency() {
    List<ChunkId> ids = insert(LIMIT);
    ChunkId oldestButRead = ids.get(0);
    db.begin();
    assertThat(blocks.get(oldestButRead)).isPresent();
    db.commit();

    db.begin();
    blocks.put(ChunkId.random(), 3, new byte[3]);
    db.commit();

    assertThat(blocks.get(oldestButRead)).isPresent();
    assertThat(blocks.table().get(ids.get(1))).isEmpty();
  }

  @Test
  @DisplayName("INV-13: insert, count and eviction are one transaction: a failed insert evicts nothing")
  void evictionRollsBackWithItsInsert() {
    List<ChunkId> ids = insert(LIMIT);

    db.begin();
    blocks.put(ChunkId.random(), 3, new byte[3]);
    assertThatThrownBy(() -> db.run("fail", () -> db.statement("ROLLBACK").execute()))
        .isInstanceOf(StorageFailedException.class);

    LocalDatabase reopened = TestDatabases.openCache(dir);
    try {
      assertThat(new ChunkTable(reopened).presentAmong(ids)).hasSize(LIMIT);
    } finally {
      reopened.close();
    }
  }

  @Test
  @DisplayName("INV-13: many writes in one transaction still end within the limit")
  void aBatchOfWritesEndsWithinTheLimit() {
    db.begin();
    for (int i = 0; i < 5 * LIMIT; i++) {
      blocks.put(ChunkId.random(), 3, new byte[3]);
    }
    db.commit();

    assertThat(blocks.count()).isLessThanOrEqualTo(LIMIT);
  }

  @Test
  @DisplayName("INV-14: deleting an absent block reports it was not there")
  void deleteOfAnAbsentBlock() {
    db.begin();
    assertThat(blocks.delete(ChunkId.random())).isFalse();
    db.commit();
  }

  @Test
  void blocksLiveInTheCacheDatabaseOnly() {
    LocalDatabase data = TestDatabases.openData(dir.resolve("other"));
    try {
      assertThatThrownBy(() -> new BlockCache(data, 10)).isInstanceOf(IllegalArgumentException.class);
    } finally {
      data.close();
    }
  }

  @Test
  @DisplayName("INV-13: a block read on a reader refreshes nothing until the writer touches it; then it survives eviction")
  void readsElsewhereCountOnceTheWriterTouchesThem() {
    db.close();
    BlobCipher cipher = new BlobCipher(LocalKey.generate());
    CacheStore writer = CacheStore.open(dir.resolve("ws"), Durability.NORMAL, cipher, LIMIT, true);
    CacheStore reader = CacheStore.openReader(dir.resolve("ws"), LIMIT);
    try {
      List<ChunkId> ids = new ArrayList<>();
      for (int i = 0; i < LIMIT; i++) {
        ChunkId id = ChunkId.random();
        writer.database().begin();
        writer.putBlock(id, 3, new byte[] {1, 2, 3});
        writer.database().commit();
        ids.add(id);
      }
      ChunkId oldest = ids.get(0);
      assertThat(reader.peekBlock(oldest)).isPresent();
      assertThat(reader.peekBlock(ChunkId.random())).isEmpty();
      assertThat(reader.counters().hits()).isEqualTo(1);
      assertThat(reader.counters().misses()).isEqualTo(1);

      writer.database().begin();
      writer.touchBlocks(List.of(oldest, ChunkId.random())); // the read reaches the writer; an evicted id is skipped
      writer.putBlock(ChunkId.random(), 3, new byte[3]); // over the limit: evicts
      writer.database().commit();

      assertThat(reader.peekBlock(oldest)).as("read most recently: kept").isPresent();
      assertThat(reader.peekBlock(ids.get(1))).as("the least recently accessed went").isEmpty();
    } finally {
      reader.close();
      writer.close();
      db = TestDatabases.openCache(dir); // for close()
    }
  }
}
