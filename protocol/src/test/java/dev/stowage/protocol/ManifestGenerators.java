package dev.stowage.protocol;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.maps;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random manifests for property tests: every type, extreme values, empty lists, and names from the
 * whole range of Unicode, those Stowage must refuse included.
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
   * Any text a caller may pass as a child's name: mostly names Stowage stores ({@link
   * #storableNames()}), and one in five that it must refuse up front ({@link #unstorableNames()}).
   */
  static Gen<String> names() {
    return Generate.frequency(Pair.of(4, storableNames()), Pair.of(1, unstorableNames()));
  }

  /**
   * Names {@link ManifestLimits} accepts: 1 to 40 of any Unicode code point but NUL and '/' (control
   * characters, noncharacters, the byte-order mark, the whole BMP, and beyond it as a surrogate
   * pair), or the longest a name may be, 255 bytes of UTF-8 in characters of 1 to 4 bytes; never
   * {@code .} or {@code ..}.
   */
  static Gen<String> storableNames() {
    Gen<Integer> codePoints = Generate.oneOf(integers().between(1, '/' - 1), integers().between('/' + 1, Character.MIN_SURROGATE - 1),
        integers().between(Character.MAX_SURROGATE + 1, Character.MAX_CODE_POINT));
    Gen<String> ordinary = lists().of(codePoints).ofSizeBetween(1, 40).map(ManifestGenerators::text);
    Gen<String> longest = Generate.pick(List.of("a", "\u00E9", "\u20AC", "\uD83D\uDE00"))
        .map(c -> c.repeat(255 / (c.codePoints().map(ManifestGenerators::utf8Bytes).sum())));
    return Generate.frequency(Pair.of(9, ordinary), Pair.of(1, longest))
        .assuming(name -> !name.equals(".") && !name.equals(".."));
  }

  /**
   * Names {@link ManifestLimits} refuses: lone surrogates (high, low, reversed, anywhere in a name),
   * the empty name, {@code .} and {@code ..}, a '/' or a NUL anywhere, 256 bytes of UTF-8 or more.
   */
  static Gen<String> unstorableNames() {
    Gen<String> fixed = Generate.pick(List.of("", ".", "..", "/", "\0", "\uD800", "\uDC00", "\uDC00\uD800",
        "\uDBFF", "a".repeat(256), "\uD83D\uDE00".repeat(64), "a".repeat(254) + "\u00E9"));
    Gen<String> spoiled = storableNames().zip(integers().between(0, 40),
        Generate.pick(List.of('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '/', '\0')),
        (name, at, bad) -> {
          // insert between code points (never inside a pair, which a lone surrogate would complete)
          int index = name.offsetByCodePoints(0, Math.min(at, name.codePointCount(0, name.length())));
          return name.substring(0, index) + bad + name.substring(index);
        })
        .assuming(name -> ManifestLimits.nameProblem(name) != null); // a high surrogate before a low one is a pair
    return Generate.oneOf(fixed, spoiled);
  }

  private static String text(List<Integer> codePoints) {
    return codePoints.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
  }

  private static int utf8Bytes(int codePoint) {
    return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
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
    return folders(names());
  }

  private static Gen<FolderManifest> folders(Gen<String> names) {
    return headers().zip(entryIds(), children(names),
        (h, parent, children) -> new FolderManifest(h.id(), parent, h.baseVersion(), h.needSync(), h.updated(), children));
  }

  static Gen<WorkspaceManifest> workspaces() {
    return workspaces(names());
  }

  private static Gen<WorkspaceManifest> workspaces(Gen<String> names) {
    return headers().zip(children(names),
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

  private static Gen<Map<String, EntryId>> children(Gen<String> names) {
    return maps().of(names, entryIds()).ofSizeBetween(0, 30);
  }

  /** Any manifest a caller may pass: some have a name Stowage must refuse ({@link #names()}). */
  static Gen<LocalManifest> manifests() {
    return manifests(names());
  }

  /** Manifests Stowage stores: every name is one {@link ManifestLimits} accepts. */
  static Gen<LocalManifest> storableManifests() {
    return manifests(storableNames());
  }

  private static Gen<LocalManifest> manifests(Gen<String> names) {
    return Generate.oneOf(files().map(LocalManifest.class::cast), folders(names).map(LocalManifest.class::cast),
        workspaces(names).map(LocalManifest.class::cast));
  }
}
