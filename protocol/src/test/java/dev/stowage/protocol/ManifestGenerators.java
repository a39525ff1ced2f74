package dev.stowage.protocol;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.maps;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random manifests for property tests: every type, extreme values, unicode names, empty lists.
 *
 * <p>Generators zipped from others shrink with no shrinker of their own: QuickTheories shrinks the
 * random draws a value was made from, so a failing manifest is reported as a small one (few
 * chunks, short names, zero versions).
 */
final class ManifestGenerators {
  /** Most chunk refs in a random file; {@link #files(int, int)} makes larger ones. */
  static final int MAX_CHUNKS = 50;

  private ManifestGenerators() {}

  static Gen<EntryId> entryIds() {
    return longs().all().zip(longs().all(), (high, low) -> new EntryId(new UUID(high, low)));
  }

  static Gen<ChunkId> chunkIds() {
    return longs().all().zip(longs().all(), (high, low) -> new ChunkId(new UUID(high, low)));
  }

  /** From year 1 to year 9999, to the nanosecond. */
  static Gen<Instant> instants() {
    return longs().between(-62_135_596_800L, 253_402_300_799L)
        .zip(integers().between(0, 999_999_999), Instant::ofEpochSecond);
  }

  static Gen<ChunkRef> chunkRefs() {
    return chunkIds().zip(longs().between(0, Long.MAX_VALUE), integers().between(0, Integer.MAX_VALUE), ChunkRef::new);
  }

  /**
   * Up to 40 of any Unicode code point: control characters, the whole BMP, and beyond it (a
   * surrogate pair in Java), but never a lone surrogate, which is no text (UTF-8 cannot hold it).
   */
  static Gen<String> names() {
    Gen<Integer> codePoints = Generate.oneOf(integers().between(0, Character.MIN_SURROGATE - 1),
        integers().between(Character.MAX_SURROGATE + 1, Character.MAX_CODE_POINT));
    return lists().of(codePoints).ofSizeBetween(0, 40)
        .map(text -> text.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
  }

  static Gen<FileManifest> files() {
    return files(0, MAX_CHUNKS);
  }

  /** Files of {@code minChunks} to {@code maxChunks} chunk refs. */
  static Gen<FileManifest> files(int minChunks, int maxChunks) {
    return headers().zip(entryIds(), longs().between(0, Long.MAX_VALUE), integers().between(1, Integer.MAX_VALUE),
        lists().of(chunkRefs()).ofSizeBetween(minChunks, maxChunks),
        (h, parent, size, blocksize, chunks) ->
            new FileManifest(h.id(), parent, h.baseVersion(), h.needSync(), h.updated(), size, blocksize, chunks));
  }

  static Gen<FolderManifest> folders() {
    return headers().zip(entryIds(), children(),
        (h, parent, children) -> new FolderManifest(h.id(), parent, h.baseVersion(), h.needSync(), h.updated(), children));
  }

  static Gen<WorkspaceManifest> workspaces() {
    return headers().zip(children(),
        (h, children) -> new WorkspaceManifest(h.id(), h.baseVersion(), h.needSync(), h.updated(), children));
  }

  /** What every manifest type has. */
  private record Header(EntryId id, long baseVersion, boolean needSync, Instant updated) {}

  private static Gen<Header> headers() {
    return entryIds().zip(versions(), booleans().all(), instants(), Header::new);
  }

  private static Gen<Long> versions() {
    return longs().between(0, Long.MAX_VALUE);
  }

  private static Gen<Map<String, EntryId>> children() {
    return maps().of(names(), entryIds()).ofSizeBetween(0, 30);
  }

  static Gen<LocalManifest> manifests() {
    return Generate.oneOf(files().map(LocalManifest.class::cast), folders().map(LocalManifest.class::cast),
        workspaces().map(LocalManifest.class::cast));
  }
}
