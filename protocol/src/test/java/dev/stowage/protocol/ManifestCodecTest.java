package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private static final CBORMapper CBOR = new CBORMapper();
  private static final Instant T = Instant.parse("2026-11-25T10:15:30.123456789Z");

  @Test
  void aFileOfTenThousandChunkRefsRoundTrips() {
    List<ChunkRef> chunks = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      chunks.add(new ChunkRef(ChunkId.random(), i * 512L * 1024, 512 * 1024));
    }
    FileManifest file =
        new FileManifest(EntryId.random(), EntryId.random(), 7, true, T, 10_000L * 512 * 1024, 512 * 1024, chunks);

    byte[] encoded = ManifestCodec.encode(file);

    assertThat(ManifestCodec.decode(encoded)).isEqualTo(file);
    // Chunk refs are encoded as arrays with binary UUIDs: about 30 bytes each, not ~90.
    assertThat(encoded.length).isLessThan(10_000 * 40);
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    FolderManifest folder =
        new FolderManifest(EntryId.random(), EntryId.random(), 1, false, T, Map.of("a", EntryId.random()));
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(folder));
    stored.put("writtenBy", "stowage 9.0");
    ((ObjectNode) stored.get("manifest")).put("colour", "blue");

    assertThat(ManifestCodec.decode(CBOR.writeValueAsBytes(stored))).isEqualTo(folder);
  }

  @Test
  void extraElementsOfAChunkRefAreIgnored() throws Exception {
    FileManifest file = new FileManifest(EntryId.random(), EntryId.random(), 0, false, T, 3, 4,
        List.of(new ChunkRef(ChunkId.random(), 0, 3)));
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(file));
    ((com.fasterxml.jackson.databind.node.ArrayNode) stored.get("manifest").get("chunks").get(0)).add("future");

    assertThat(ManifestCodec.decode(CBOR.writeValueAsBytes(stored))).isEqualTo(file);
  }

  @Test
  @DisplayName("Format 1 (three-element chunk refs) still reads: its chunks are not uploaded")
  void formatOneReadsAsNotUploaded() throws Exception {
    ChunkId chunk = ChunkId.random();
    FileManifest file = new FileManifest(EntryId.random(), EntryId.random(), 0, true, T, 3, 4,
        List.of(new ChunkRef(chunk, 0, 3, true)));
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(file));
    assertThat(stored.get("format").asInt()).isEqualTo(2);
    stored.put("format", 1);
    ArrayNode ref = (ArrayNode) stored.get("manifest").get("chunks").get(0);
    assertThat(ref.size()).isEqualTo(4);
    ref.remove(3);

    FileManifest read = (FileManifest) ManifestCodec.decode(CBOR.writeValueAsBytes(stored));
    assertThat(read.chunks()).containsExactly(new ChunkRef(chunk, 0, 3));
    assertThat(read.chunks().get(0).uploaded()).isFalse();
  }

  @Test
  @DisplayName("A chunk ref marked uploaded round-trips, and asUploaded marks only that")
  void uploadedChunkRefsRoundTrip() {
    ChunkRef local = new ChunkRef(ChunkId.random(), 512, 7);
    ChunkRef uploaded = local.asUploaded();
    assertThat(uploaded).isEqualTo(new ChunkRef(local.id(), 512, 7, true));
    assertThat(uploaded.asUploaded()).isSameAs(uploaded);
    FileManifest file = new FileManifest(EntryId.random(), EntryId.random(), 0, true, T, 519, 512,
        List.of(new ChunkRef(ChunkId.random(), 0, 512, true), local));
    assertThat(ManifestCodec.decode(ManifestCodec.encode(file))).isEqualTo(file);
  }

  @Test
  void aChunkRefMissingItsSizeIsCorrupt() throws Exception {
    FileManifest file = new FileManifest(EntryId.random(), EntryId.random(), 0, false, T, 3, 4,
        List.of(new ChunkRef(ChunkId.random(), 0, 3)));
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(file));
    ArrayNode ref = (ArrayNode) stored.get("manifest").get("chunks").get(0);
    ref.remove(3);
    ref.remove(2);

    assertThatThrownBy(() -> ManifestCodec.decode(CBOR.writeValueAsBytes(stored)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("size");
  }

  @Test
  void anUnknownTypeIsACorruptEntryNamingTheType() throws Exception {
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(workspace()));
    ((ObjectNode) stored.get("manifest")).put("type", "symlink");

    assertThatThrownBy(() -> ManifestCodec.decode(CBOR.writeValueAsBytes(stored)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("'symlink'");
  }

  @Test
  void aNewerFormatVersionIsRefusedBeforeItsContentIsRead() throws Exception {
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(workspace()));
    stored.put("format", ManifestCodec.FORMAT_VERSION + 1);
    ((ObjectNode) stored.get("manifest")).put("type", "something-new");

    assertThatThrownBy(() -> ManifestCodec.decode(CBOR.writeValueAsBytes(stored)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("format version " + (ManifestCodec.FORMAT_VERSION + 1))
        .hasMessageContaining("newer Stowage");
  }

  @Test
  void aMissingFieldIsCorruptNotAZeroDefault() throws Exception {
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(workspace()));
    ((ObjectNode) stored.get("manifest")).remove("baseVersion");

    assertThatThrownBy(() -> ManifestCodec.decode(CBOR.writeValueAsBytes(stored)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("baseVersion");
  }

  @Test
  void aNegativeStoredVersionIsCorrupt() throws Exception {
    ObjectNode stored = (ObjectNode) CBOR.readTree(ManifestCodec.encode(workspace()));
    ((ObjectNode) stored.get("manifest")).put("baseVersion", -3);

    assertThatThrownBy(() -> ManifestCodec.decode(CBOR.writeValueAsBytes(stored)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("baseVersion must not be negative");
  }

  @Test
  void garbageEmptyAndTrailingBytesAreCorrupt() {
    byte[] valid = ManifestCodec.encode(workspace());
    byte[] trailing = java.util.Arrays.copyOf(valid, valid.length + 1);

    assertThatThrownBy(() -> ManifestCodec.decode(new byte[0])).isInstanceOf(CorruptEntryException.class);
    assertThatThrownBy(() -> ManifestCodec.decode("not cbor at all".getBytes()))
        .isInstanceOf(CorruptEntryException.class);
    assertThatThrownBy(() -> ManifestCodec.decode(trailing))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("after its end");
  }

  @Test
  void nullIsAnInvalidRequest() {
    assertThatThrownBy(() -> ManifestCodec.encode(null)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> ManifestCodec.decode(null)).isInstanceOf(InvalidRequestException.class);
  }

  private static WorkspaceManifest workspace() {
    return new WorkspaceManifest(EntryId.random(), 3, true, T, Map.of("docs", EntryId.random()));
  }
  /** The stored form as Jackson writes it with no serializer of Stowage's own (ids through their @JsonValue). */
  private static byte[] encodedByJacksonAlone(LocalManifest manifest) throws Exception {
    CBORMapper plain = CBORMapper.builder()
        .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule()).build();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (com.fasterxml.jackson.dataformat.cbor.CBORGenerator generator = plain.getFactory().createGenerator(out)) {
      generator.writeStartObject();
      generator.writeNumberField("format", ManifestCodec.FORMAT_VERSION);
      generator.writeFieldName("manifest");
      plain.writerFor(LocalManifest.class).writeValue(generator, manifest);
      generator.writeEndObject();
    }
    return out.toByteArray();
  }

  @Test
  @DisplayName("Ids are written without reflection, in the very bytes Jackson's UUID serializer writes: folders, files, workspaces")
  void idsAreEncodedAsJacksonWritesThem() throws Exception {
    Map<String, EntryId> children = new java.util.HashMap<>();
    for (int i = 0; i < 300; i++) {
      children.put("file-" + i + ".odt", EntryId.random());
    }
    List<ChunkRef> chunks = List.of(new ChunkRef(ChunkId.random(), 0, 3, true), new ChunkRef(ChunkId.random(), 3, 4));
    List<LocalManifest> manifests = List.of(
        new FolderManifest(EntryId.random(), EntryId.random(), 9, true, T, children),
        new FolderManifest(EntryId.random(), EntryId.random(), 0, false, Instant.EPOCH, Map.of()),
        new FileManifest(EntryId.random(), EntryId.random(), 3, false, T, 7, 4, chunks),
        new WorkspaceManifest(EntryId.random(), 2, true, T, children));
    for (LocalManifest manifest : manifests) {
      assertThat(ManifestCodec.encode(manifest)).as("%s", manifest.getClass().getSimpleName())
          .isEqualTo(encodedByJacksonAlone(manifest));
    }
  }
}
