package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.quicktheories.QuickTheory;
import org.quicktheories.generators.Generate;

/**
 * The codec over random manifests (QuickTheories). A run starts from a new seed, so that each run
 * tries other manifests; a failure prints its seed ("Seed was N"), and {@code -DQT_SEED=N} runs
 * the same examples again. {@code -Dstowage.test.iterations=N} multiplies the examples.
 */
class ManifestCodecProperties {
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);

  private static QuickTheory examples(int count) {
    return qt().withExamples(count * ITERATIONS);
  }

  @Test
  void everyStorableManifestRoundTrips() {
    examples(500).forAll(ManifestGenerators.storableManifests()).checkAssert(manifest -> {
      LocalManifest decoded = ManifestCodec.decode(ManifestCodec.encode(manifest));

      assertThat(decoded).isEqualTo(manifest).hasSameClassAs(manifest);
    });
  }

  @Test
  @DisplayName("INV-19: every manifest a caller may pass is refused up front, or stored and read back exactly")
  void everyManifestIsRefusedUpFrontOrRoundTrips() {
    examples(1_000).forAll(ManifestGenerators.manifests()).checkAssert(manifest -> {
      String problem = firstNameProblem(manifest);
      if (problem != null) {
        assertThatThrownBy(() -> ManifestLimits.requireStorable(manifest, Integer.MAX_VALUE))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining(problem);
        return;
      }
      ManifestLimits.requireStorable(manifest, Integer.MAX_VALUE);
      byte[] encoded = ManifestCodec.encode(manifest);

      assertThat(ManifestCodec.decode(encoded)).isEqualTo(manifest).hasSameClassAs(manifest);
      assertThat((long) encoded.length).as("the size bound").isLessThanOrEqualTo(ManifestLimits.sizeBound(manifest));
    });
  }

  @Test
  void theSizeBoundHoldsForTheLargestNamesAndFiles() {
    examples(50).forAll(Generate.oneOf(ManifestGenerators.files(1_000, 2_000).map(LocalManifest.class::cast),
        ManifestGenerators.storableManifests())).checkAssert(manifest -> {
          long bound = ManifestLimits.sizeBound(manifest);
          int size = ManifestCodec.encode(manifest).length;

          assertThat((long) size).isLessThanOrEqualTo(bound);
        });
  }

  /** What {@link ManifestLimits} says of the first child name it refuses, or null. */
  private static String firstNameProblem(LocalManifest manifest) {
    Map<String, EntryId> children = manifest instanceof FolderManifest folder ? folder.children()
        : manifest instanceof WorkspaceManifest workspace ? workspace.children() : Map.of();
    return children.keySet().stream().map(ManifestLimits::nameProblem).filter(Objects::nonNull).findFirst().orElse(null);
  }

  @Test
  void aFileOfTenThousandRandomChunkRefsRoundTrips() {
    examples(5).forAll(ManifestGenerators.files(10_000, 10_000)).checkAssert(file -> {
      FileManifest decoded = (FileManifest) ManifestCodec.decode(ManifestCodec.encode(file));

      assertThat(decoded.chunks()).hasSize(10_000);
      assertThat(decoded).isEqualTo(file);
    });
  }

  @Test
  void aTruncatedEncodingIsCorruptNeverAnotherManifest() {
    examples(300).forAll(ManifestGenerators.storableManifests(), integers().between(0, 10_000)).checkAssert((manifest, cut) -> {
      byte[] encoded = ManifestCodec.encode(manifest);
      byte[] truncated = Arrays.copyOf(encoded, cut % encoded.length);

      assertThatThrownBy(() -> ManifestCodec.decode(truncated))
          .isInstanceOf(CorruptEntryException.class)
          .hasMessageStartingWith("cannot decode manifest: ");
    });
  }

  @Test
  void aFlippedByteIsCorruptOrDecodesToAValidManifest() {
    examples(300).forAll(ManifestGenerators.storableManifests(), integers().between(0, 100_000), integers().between(1, 255))
        .checkAssert((manifest, position, mask) -> {
          byte[] encoded = ManifestCodec.encode(manifest);
          encoded[position % encoded.length] ^= (byte) (int) mask;

          // Without encryption a flipped bit inside a number or a UUID still decodes; the property
          // is that the codec never leaks anything but a CorruptEntryException, and never builds an
          // invalid record (negative versions, null ids) from damaged bytes.
          try {
            LocalManifest decoded = ManifestCodec.decode(encoded);
            assertThat(decoded.baseVersion()).isNotNegative();
            assertThat(decoded.id()).isNotNull();
          } catch (CorruptEntryException expected) {
            assertThat(expected).hasMessageStartingWith("cannot decode manifest: ");
          }
        });
  }
}
