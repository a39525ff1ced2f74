package dev.stowage.protocol;

import java.time.Instant;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Random manifests for property tests: every type, extreme values, unicode names, empty lists. */
final class ManifestArbitraries {
  private ManifestArbitraries() {}

  static Arbitrary<EntryId> entryIds() {
    return Arbitraries.longs().tuple2().map(t -> new EntryId(new UUID(t.get1(), t.get2())));
  }

  static Arbitrary<ChunkId> chunkIds() {
    return Arbitraries.longs().tuple2().map(t -> new ChunkId(new UUID(t.get1(), t.get2())));
  }

  static Arbitrary<Instant> instants() {
    return Combinators.combine(
            Arbitraries.longs().between(-62_135_596_800L, 253_402_300_799L),
            Arbitraries.integers().between(0, 999_999_999))
        .as(Instant::ofEpochSecond);
  }

  static Arbitrary<ChunkRef> chunkRefs() {
    return Combinators.combine(
            chunkIds(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.integers().greaterOrEqual(0))
        .as(ChunkRef::new);
  }

  static Arbitrary<String> names() {
    return Arbitraries.strings().ofMinLength(0).ofMaxLength(40);
  }

  static Arbitrary<FileManifest> files() {
    return Combinators.combine(
            entryIds(),
            entryIds(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.of(true, false),
            instants(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.integers().greaterOrEqual(1),
            chunkRefs().list().ofMaxSize(50))
        .as(FileManifest::new);
  }

  static Arbitrary<FolderManifest> folders() {
    return Combinators.combine(
            entryIds(),
            entryIds(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.of(true, false),
            instants(),
            Arbitraries.maps(names(), entryIds()).ofMaxSize(30))
        .as(FolderManifest::new);
  }

  static Arbitrary<WorkspaceManifest> workspaces() {
    return Combinators.combine(
            entryIds(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.of(true, false),
            instants(),
            Arbitraries.maps(names(), entryIds()).ofMaxSize(30))
        .as(WorkspaceManifest::new);
  }

  static Arbitrary<LocalManifest> manifests() {
    return Arbitraries.oneOf(files(), folders(), workspaces());
  }
}
