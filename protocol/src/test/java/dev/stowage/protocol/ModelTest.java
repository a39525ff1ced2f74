package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ModelTest {
  private static final Instant T = Instant.EPOCH;

  @Test
  void idsRoundTripThroughTextAndBytes() {
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();

    assertThat(EntryId.parse(id.toString())).isEqualTo(id);
    assertThat(EntryId.fromBytes(id.toBytes())).isEqualTo(id);
    assertThat(ChunkId.parse(chunk.toString())).isEqualTo(chunk);
    assertThat(ChunkId.fromBytes(chunk.toBytes())).isEqualTo(chunk);
    assertThat(id.toBytes()).hasSize(16);
  }

  @Test
  @DisplayName("INV-19: malformed ids are an InvalidRequestException naming the input")
  void malformedIdsAreInvalidRequests() {
    assertThatThrownBy(() -> EntryId.parse("1-2-3-4-5")).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'1-2-3-4-5'");
    assertThatThrownBy(() -> EntryId.parse("")).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> EntryId.parse(null)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> ChunkId.parse("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> ChunkId.fromBytes(new byte[15])).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("16 bytes");
    assertThatThrownBy(() -> new EntryId(null)).isInstanceOf(InvalidRequestException.class);
  }

  @Test
  @DisplayName("INV-19: negative versions, sizes and null fields are refused when a manifest is built")
  void invalidManifestsCannotBeBuilt() {
    EntryId id = EntryId.random();
    assertThatThrownBy(() -> new FileManifest(id, id, -1, false, T, 0, 1, List.of()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("baseVersion");
    assertThatThrownBy(() -> new FileManifest(id, id, 0, false, T, -5, 1, List.of()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("size");
    assertThatThrownBy(() -> new FileManifest(id, id, 0, false, T, 0, 0, List.of()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("blocksize");
    assertThatThrownBy(() -> new FileManifest(id, null, 0, false, T, 0, 1, List.of()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("parent");
    List<ChunkRef> withNull = new ArrayList<>();
    withNull.add(null);
    assertThatThrownBy(() -> new FileManifest(id, id, 0, false, T, 0, 1, withNull))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("chunks");
    assertThatThrownBy(() -> new ChunkRef(ChunkId.random(), -1, 1)).isInstanceOf(InvalidRequestException.class);
    Map<String, EntryId> nullChild = new HashMap<>();
    nullChild.put("x", null);
    assertThatThrownBy(() -> new FolderManifest(id, id, 0, false, T, nullChild))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("['x']");
    Map<String, EntryId> nullName = new HashMap<>();
    nullName.put(null, id);
    assertThatThrownBy(() -> new FolderManifest(id, id, 0, false, T, nullName))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("a name in");
    java.util.SortedMap<String, EntryId> sortedNullChild = new java.util.TreeMap<>();
    sortedNullChild.put("y", null);
    assertThatThrownBy(() -> new FolderManifest(id, id, 0, false, T, sortedNullChild))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("['y']");
    assertThatThrownBy(() -> new WorkspaceManifest(null, 0, false, T, Map.of()))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new WorkspaceManifest(id, 0, false, null, Map.of()))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("updated");
  }

  @Test
  void manifestsAreImmutableAndEqualByValue() {
    EntryId id = EntryId.random();
    List<ChunkRef> chunks = new ArrayList<>(List.of(new ChunkRef(ChunkId.random(), 0, 1)));
    Map<String, EntryId> children = new HashMap<>(Map.of("b", id, "a", id));
    FileManifest file = new FileManifest(id, id, 0, false, T, 1, 1, chunks);
    FolderManifest folder = new FolderManifest(id, id, 0, false, T, children);

    chunks.clear();
    children.clear();

    assertThat(file.chunks()).hasSize(1);
    assertThat(folder.children()).containsOnlyKeys("a", "b");
    assertThat(folder.children().keySet()).containsExactly("a", "b");
    assertThatThrownBy(() -> file.chunks().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(new FolderManifest(id, id, 0, false, T, Map.of("a", id, "b", id))).isEqualTo(folder);
  }

  @Test
  void statsDeriveTheirRatios() {
    DatabaseStats db = new DatabaseStats(10, 4, 10, 0, 5, 0);
    StorageStats stats = new StorageStats("ws", 0, 0, db, DatabaseStats.EMPTY, 0, 2048, 3, 1, 0);

    assertThat(db.meanBatchSize()).isEqualTo(2.5);
    assertThat(DatabaseStats.EMPTY.meanBatchSize()).isZero();
    assertThat(stats.blockHitRatio()).isEqualTo(0.75);
  }

  @Test
  void uuidComparisonOrdersIds() {
    EntryId low = new EntryId(new UUID(0, 1));
    EntryId high = new EntryId(new UUID(0, 2));
    assertThat(low).isLessThan(high);
  }
}
