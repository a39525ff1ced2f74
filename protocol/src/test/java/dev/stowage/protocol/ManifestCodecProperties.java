package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class ManifestCodecProperties {

  @Provide
  Arbitrary<LocalManifest> manifests() {
    return ManifestArbitraries.manifests();
  }

  @Property(tries = 500)
  void everyManifestRoundTrips(@ForAll("manifests") LocalManifest manifest) {
    LocalManifest decoded = ManifestCodec.decode(ManifestCodec.encode(manifest));

    assertThat(decoded).isEqualTo(manifest).hasSameClassAs(manifest);
  }

  @Property(tries = 300)
  void aTruncatedEncodingIsCorruptNeverAnotherManifest(
      @ForAll("manifests") LocalManifest manifest, @ForAll @IntRange(min = 0, max = 10_000) int cut) {
    byte[] encoded = ManifestCodec.encode(manifest);
    byte[] truncated = Arrays.copyOf(encoded, cut % encoded.length);

    assertThatThrownBy(() -> ManifestCodec.decode(truncated))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageStartingWith("cannot decode manifest: ");
  }

  @Property(tries = 300)
  void aFlippedByteIsCorruptOrDecodesToAValidManifest(
      @ForAll("manifests") LocalManifest manifest,
      @ForAll @IntRange(min = 0, max = 100_000) int position,
      @ForAll @IntRange(min = 1, max = 255) int mask) {
    byte[] encoded = ManifestCodec.encode(manifest);
    encoded[position % encoded.length] ^= (byte) mask;

    // Without encryption a flipped bit inside a number or a UUID still decodes; the property is
    // that the codec never leaks anything but a CorruptEntryException, and never builds an invalid
    // record (negative versions, null ids) from damaged bytes.
    try {
      LocalManifest decoded = ManifestCodec.decode(encoded);
      assertThat(decoded.baseVersion()).isNotNegative();
      assertThat(decoded.id()).isNotNull();
    } catch (CorruptEntryException expected) {
      assertThat(expected).hasMessageStartingWith("cannot decode manifest: ");
    }
  }
}
