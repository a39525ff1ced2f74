package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkTableTest {
  @TempDir Path dir;
  private LocalDatabase db;
  private ChunkTable chunks;

  @BeforeEach
  void open() {
    db = TestDatabases.openData(dir);
    chunks = new ChunkTable(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private List<ChunkId> store(int count) {
    List<ChunkId> ids = new ArrayList<>();
    db.begin();
    for (int i = 0; i < count; i++) {
      ChunkId id = ChunkId.random();
      chunks.put(id, 1, new byte[] {(byte) i}, 0);
      ids.add(id);
    }
    db.commit();
    return ids;
  }

  @Test
  @DisplayName("gc's age query: the chunks written before a time, those with no write time (0) among them")
  void idsAccessedBeforeATimeIncludeThoseWithNone() {
    ChunkId undated = store(1).get(0);
    ChunkId old = ChunkId.random();
    ChunkId young = ChunkId.random();
    db.begin();
    chunks.put(old, 1, new byte[] {1}, 1_000.0);
    chunks.put(young, 1, new byte[] {2}, 3_000.0);
    db.commit();

    assertThat(chunks.idsAccessedBefore(2_000.0)).containsExactlyInAnyOrder(undated, old);
    assertThat(chunks.idsAccessedBefore(Double.MIN_VALUE)).containsExactly(undated);
  }

  @Test
  @DisplayName("INV-14: an unknown chunk reads as absent and deletes as 'was not there'")
  void getPutDelete() {
    ChunkId id = store(1).get(0);

    assertThat(chunks.get(id)).contains(new byte[] {0});
    assertThat(chunks.get(ChunkId.random())).isEmpty();
    db.begin();
    assertThat(chunks.delete(id)).isTrue();
    assertThat(chunks.delete(id)).isFalse();
    db.commit();
    assertThat(chunks.count()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7, 8, 9, 500, 501, 999, 1000, 2500})
  @DisplayName("getLocalChunkIds and batch deletes accept any number of ids under the 999-variable limit")
  void batchesRespectTheVariableLimit(int count) {
    List<ChunkId> present = store(count);
    List<ChunkId> asked = new ArrayList<>(present);
    for (int i = 0; i < count; i++) {
      asked.add(ChunkId.random());
    }
    asked.add(present.isEmpty() ? ChunkId.random() : present.get(0)); // a duplicate is harmless

    assertThat(chunks.presentAmong(asked)).isEqualTo(new HashSet<>(present));

    db.begin();
    assertThat(chunks.deleteAll(asked)).isEqualTo(count);
    db.commit();
    assertThat(chunks.count()).isZero();
  }

  @Test
  void replacingAChunkKeepsOneRow() {
    ChunkId id = ChunkId.random();
    db.begin();
    chunks.put(id, 1, new byte[] {1}, 0);
    chunks.put(id, 2, new byte[] {2, 2}, 0);
    db.commit();

    assertThat(chunks.count()).isEqualTo(1);
    assertThat(chunks.get(id)).contains(new byte[] {2, 2});
    assertThat(chunks.totalSize()).isEqualTo(2);
    assertThat(chunks.allIds()).containsExactly(id);
  }

  @Test
  @DisplayName("INV-2: a manifest write and its removed chunks share one transaction; a failing one deletes nothing")
  void removedChunksGoWithTheManifestOrNotAtAll() {
    List<ChunkId> removed = store(3);
    EntryId file = EntryId.random();
    VlobTable vlobs = new VlobTable(db);

    db.begin();
    vlobs.put(file, 0, true, new byte[] {1});
    assertThat(chunks.deleteAll(removed)).isEqualTo(3);
    // The batch fails before it commits (INV-7 refusal, a real failure path): nothing of it stays.
    assertThatThrownBy(() -> db.run("fail", () -> db.statement("COMMIT").execute()))
        .isInstanceOf(StorageFailedException.class);

    LocalDatabase reopened = TestDatabases.openData(dir);
    try {
      assertThat(new VlobTable(reopened).get(file)).isEmpty();
      assertThat(new ChunkTable(reopened).presentAmong(removed)).containsExactlyInAnyOrderElementsOf(removed);

      reopened.begin();
      new VlobTable(reopened).put(file, 0, true, new byte[] {1});
      new ChunkTable(reopened).deleteAll(removed);
      reopened.commit();
      assertThat(new VlobTable(reopened).get(file)).isPresent();
      assertThat(new ChunkTable(reopened).presentAmong(removed)).isEmpty();
    } finally {
      reopened.close();
    }
  }

  @Test
  void deletingNothingIsFree() {
    assertThat(chunks.deleteAll(Set.of())).isZero();
    assertThat(chunks.presentAmong(List.of())).isEmpty();
  }
}
