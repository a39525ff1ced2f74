package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The names and sizes a manifest may have ({@link ManifestLimits}), over the awkward corners of
 * Unicode: each name either round-trips exactly through the stored form or is refused before
 * anything is stored, with a message that is itself safe to encode.
 */
class ManifestLimitsTest {
  private static final int ONE_MIB = 1 << 20;
  private static final EntryId ID = new EntryId(new UUID(1, 2));

  /** Names a client may give a file, each stored exactly as given. */
  static Stream<Arguments> storableNames() {
    return Stream.of(
        Arguments.of("plain ASCII", "report.txt"),
        Arguments.of("emoji", "\uD83D\uDE00.png"),
        Arguments.of("a ZWJ sequence (family)", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67"),
        Arguments.of("a flag (regional indicators)", "\uD83C\uDDEB\uD83C\uDDF7"),
        Arguments.of("precomposed é", "caf\u00E9"),
        Arguments.of("e and a combining acute", "cafe\u0301"),
        Arguments.of("right-to-left text", "\u05E9\u05DC\u05D5\u05DD.txt"),
        Arguments.of("a right-to-left override", "\u202Egnp.exe"),
        Arguments.of("a leading byte-order mark", "\uFEFFnotes"),
        Arguments.of("the noncharacter U+FFFE", "x\uFFFE"),
        Arguments.of("the noncharacter U+FFFF", "x\uFFFF"),
        Arguments.of("the noncharacter U+FDD0", "\uFDD0"),
        Arguments.of("the last code point, U+10FFFF", "\uDBFF\uDFFF"),
        Arguments.of("control characters other than NUL", "a\u0001\t\n\u007F"),
        Arguments.of("a backslash and a colon", "a\\b:c"),
        Arguments.of("dots that are not . or ..", "..."),
        Arguments.of("a space", " "),
        Arguments.of("255 bytes of ASCII", "a".repeat(255)),
        Arguments.of("255 bytes of 3-byte characters", "\u20AC".repeat(85)),
        Arguments.of("252 bytes of 4-byte characters and 3 of ASCII", "\uD83D\uDE00".repeat(63) + "abc"));
  }

  /** Names no file can have, or that UTF-8 cannot hold. */
  static Stream<Arguments> unstorableNames() {
    return Stream.of(
        Arguments.of("a lone high surrogate", "\uD800", "lone surrogate U+D800 at index 0"),
        Arguments.of("a lone low surrogate", "\uDC00", "lone surrogate U+DC00 at index 0"),
        Arguments.of("a lone surrogate inside", "x\uD800y", "lone surrogate U+D800 at index 1"),
        Arguments.of("a reversed pair", "\uDC00\uD800", "lone surrogate U+DC00 at index 0"),
        Arguments.of("a high surrogate at the end", "abc\uD83D", "lone surrogate U+D83D at index 3"),
        Arguments.of("the empty name", "", "must not be empty"),
        Arguments.of("a dot", ".", "is not a name"),
        Arguments.of("two dots", "..", "is not a name"),
        Arguments.of("a slash", "a/b", "has a '/' at index 1"),
        Arguments.of("a NUL", "a\0b", "has a NUL at index 1"),
        Arguments.of("256 bytes of ASCII", "a".repeat(256), "256 bytes in UTF-8, more than 255"),
        Arguments.of("256 bytes of 4-byte characters", "\uD83D\uDE00".repeat(64), "256 bytes in UTF-8"),
        Arguments.of("254 bytes and a 3-byte character", "a".repeat(254) + "\u20AC", "257 bytes in UTF-8"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storableNames")
  @DisplayName("INV-19: an awkward but valid name is accepted and round-trips exactly, in a folder and in a workspace")
  void aValidNameRoundTripsExactly(String what, String name) {
    assertThat(ManifestLimits.nameProblem(name)).isNull();
    for (LocalManifest manifest : List.of(folder(Map.of(name, EntryId.random())), workspace(Map.of(name, EntryId.random())))) {
      ManifestLimits.requireStorable(manifest, ONE_MIB);

      LocalManifest decoded = ManifestCodec.decode(ManifestCodec.encode(manifest));

      assertThat(decoded).isEqualTo(manifest);
      assertThat(children(decoded).keySet()).containsExactly(name); // code unit for code unit, not normalized
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unstorableNames")
  @DisplayName("INV-19: a name that cannot be stored or is no name is refused up front, saying which and why")
  void anInvalidNameIsRefused(String what, String name, String why) {
    assertThat(ManifestLimits.nameProblem(name)).contains(why);
    for (LocalManifest manifest : List.of(folder(Map.of("fine", EntryId.random(), name, EntryId.random())),
        workspace(Map.of(name, EntryId.random())))) {
      assertThatThrownBy(() -> ManifestLimits.requireStorable(manifest, ONE_MIB))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("manifest " + ID)
          .hasMessageContaining(why)
          .satisfies(e -> assertThat(wellFormed(e.getMessage())).as("the message is text UTF-8 can hold").isTrue());
    }
  }

  @Test
  @DisplayName("INV-19: the precomposed and the decomposed form of a name are two children, both kept")
  void twoFormsOfOneNameAreTwoChildren() {
    FolderManifest folder = folder(Map.of("caf\u00E9", EntryId.random(), "cafe\u0301", EntryId.random()));

    ManifestLimits.requireStorable(folder, ONE_MIB);
    FolderManifest decoded = (FolderManifest) ManifestCodec.decode(ManifestCodec.encode(folder));

    assertThat(decoded.children()).hasSize(2).isEqualTo(folder.children());
  }

  @Test
  @DisplayName("INV-19: a manifest over max-manifest-size is refused with its size; one at the limit is accepted")
  void theStoredSizeIsBoundedByTheSetting() {
    Map<String, EntryId> children = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      children.put(String.format("child-%04d", i), new EntryId(new UUID(i, i)));
    }
    FolderManifest folder = folder(children);
    int size = ManifestCodec.encode(folder).length;

    ManifestLimits.requireStorable(folder, size); // exactly at the limit: the bound passes it, the exact size decides
    assertThatThrownBy(() -> ManifestLimits.requireStorable(folder, size - 1))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("manifest " + ID + " takes " + size + " bytes stored, more than stowage.max-manifest-size ("
            + (size - 1) + " bytes)");
  }

  @Test
  void theBoundOfAManifestWithoutChildrenHoldsItsLargestFields() {
    List<LocalManifest> largest = List.of(
        new FileManifest(ID, ID, Long.MAX_VALUE, true, Instant.MIN, Long.MAX_VALUE, Integer.MAX_VALUE, List.of()),
        new FolderManifest(ID, ID, Long.MAX_VALUE, true, Instant.MAX, Map.of()),
        new WorkspaceManifest(ID, Long.MAX_VALUE, true, Instant.ofEpochSecond(-1, 999_999_999), Map.of()));
    for (LocalManifest manifest : largest) {
      assertThat(ManifestCodec.encode(manifest).length).as("%s", manifest)
          .isLessThanOrEqualTo(ManifestLimits.FIXED_BOUND - 64); // room for a collection's header (at most 9)
    }
  }

  @Test
  void theBoundOfAFileHoldsItsLargestChunkRefs() {
    List<ChunkRef> chunks = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      chunks.add(new ChunkRef(new ChunkId(new UUID(-i, Long.MIN_VALUE)), Long.MAX_VALUE, Integer.MAX_VALUE));
    }
    FileManifest file = new FileManifest(ID, ID, Long.MAX_VALUE, true, Instant.MAX, Long.MAX_VALUE, Integer.MAX_VALUE,
        chunks);

    assertThat((long) ManifestCodec.encode(file).length).isLessThanOrEqualTo(ManifestLimits.sizeBound(file));
  }

  private static FolderManifest folder(Map<String, EntryId> children) {
    return new FolderManifest(ID, ID, 3, true, Instant.parse("2026-12-06T10:15:30.123456789Z"), children);
  }

  private static WorkspaceManifest workspace(Map<String, EntryId> children) {
    return new WorkspaceManifest(ID, 3, false, Instant.EPOCH, children);
  }

  private static Map<String, EntryId> children(LocalManifest manifest) {
    return manifest instanceof FolderManifest folder ? folder.children() : ((WorkspaceManifest) manifest).children();
  }

  /** Whether {@code text} has no lone surrogate. */
  private static boolean wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
