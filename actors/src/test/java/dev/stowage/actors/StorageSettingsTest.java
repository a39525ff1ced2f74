package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.storage.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StorageSettingsTest {
  private static Config with(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void theDefaultsAreThoseOfTheSpecification() {
    StorageSettings settings = StorageSettings.fromConfig(ConfigFactory.defaultReference());

    assertThat(settings.baseDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".local/share/stowage"));
    assertThat(settings.cacheSize()).isEqualTo(1L << 30);
    assertThat(settings.blockSize()).isEqualTo(512 * 1024);
    assertThat(settings.blockLimit()).isEqualTo(2048);
    assertThat(settings.maxChunkSize()).isEqualTo(4 << 20);
    assertThat(settings.maxManifestSize()).isEqualTo(1 << 20);
    assertThat(settings.maxRemovedChunkIds()).isEqualTo(65_536);
    assertThat(settings.vacuumThreshold()).isEqualTo(512L << 20);
    assertThat(settings.durability()).isEqualTo(Durability.NORMAL);
    assertThat(settings.askTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.maxDirty()).isEqualTo(10_000);
    assertThat(settings.passivateAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.maxActive()).isEqualTo(100_000);
    assertThat(settings.maxBatch()).isEqualTo(1000);
    assertThat(settings.maxDelay()).isEqualTo(Duration.ofMillis(2));
    assertThat(settings.gatewayDispatcher()).isEqualTo("stowage.gateway-dispatcher");
    assertThat(settings.overload()).isEqualTo(new OverloadSettings(1000, 8L << 20, OverloadSettings.WhenFull.WAIT,
        Duration.ofSeconds(5), 1000, 8L << 20));
  }

  @Test
  void theOverloadSectionIsReadAndCopied() {
    StorageSettings settings = StorageSettings.fromConfig(with(
        "stowage.overload { max-calls-in-flight = 7, max-bytes-in-flight = 8 MiB, when-full = FAIL, max-wait = 250ms,"
            + " max-calls-waiting = 3, max-bytes-waiting = 5 MiB }"));

    assertThat(settings.overload()).isEqualTo(new OverloadSettings(7, 8L << 20, OverloadSettings.WhenFull.FAIL,
        Duration.ofMillis(250), 3, 5L << 20));
    assertThat(settings.withOverload(settings.overload().withWhenFull(OverloadSettings.WhenFull.WAIT)).overload().whenFull())
        .isEqualTo(OverloadSettings.WhenFull.WAIT);
    assertThat(settings.withBaseDir(Path.of("/x")).overload()).isEqualTo(settings.overload());
  }

  @Test
  void overridesAndCopiesApply() {
    StorageSettings settings = StorageSettings.fromConfig(with("stowage { durability = FULL, cache-size = 1 MiB }"));

    assertThat(settings.durability()).isEqualTo(Durability.FULL);
    assertThat(settings.blockLimit()).isEqualTo(2);
    assertThat(settings.withBaseDir(Path.of("/x")).baseDir()).isEqualTo(Path.of("/x"));
    assertThat(settings.withBaseDir(Path.of("/x")).workspaceDir("ws")).isEqualTo(Path.of("/x/ws"));
    assertThat(settings.withDurability(Durability.NORMAL).durability()).isEqualTo(Durability.NORMAL);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      "stowage.cache-size|-1",
      "stowage.cache-size|100 KiB",
      "stowage.block-size|0",
      "stowage.block-size|3 GiB",
      "stowage.max-chunk-size|1 GiB",
      "stowage.max-chunk-size|lots",
      "stowage.max-manifest-size|1000b",
      "stowage.max-manifest-size|1 GiB",
      "stowage.max-manifest-size|big",
      "stowage.vacuum-threshold|-5",
      "stowage.durability|sometimes",
      "stowage.ask-timeout|0s",
      "stowage.ask-timeout|soon",
      "stowage.cache.max-dirty|0",
      "stowage.entity.passivate-after|-1s",
      "stowage.entity.max-active|-3",
      "stowage.group-commit.max-batch|0",
      "stowage.group-commit.max-delay|-1ms",
      "stowage.group-commit.max-delay|later",
      "stowage.gateway-dispatcher.type|Dispatcher",
      "stowage.overload.max-calls-in-flight|0",
      "stowage.overload.max-calls-in-flight|2000000",
      "stowage.overload.max-calls-in-flight|many",
      "stowage.overload.max-bytes-in-flight|1 MiB",
      "stowage.overload.max-bytes-in-flight|2 TiB",
      "stowage.overload.when-full|sometimes",
      "stowage.overload.max-wait|0s",
      "stowage.overload.max-wait|-1s",
      "stowage.overload.max-calls-waiting|0",
      "stowage.overload.max-bytes-waiting|1 KiB"})
  @DisplayName("INV-19: an invalid configuration value fails with an error naming its key")
  void invalidValuesNameTheirKey(String key, String value) {
    Config config = with(key + " = \"" + value + "\"");

    assertThatThrownBy(() -> StorageSettings.fromConfig(config))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(key);
  }

  @Test
  @DisplayName("INV-19: a byte limit of stowage.overload below stowage.max-chunk-size names both keys")
  void overloadByteLimitsHoldTheLargestChunk() {
    Config config = with("stowage.max-chunk-size = 16 MiB");

    assertThatThrownBy(() -> StorageSettings.fromConfig(config))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("stowage.overload.max-bytes-in-flight")
        .hasMessageContaining("stowage.max-chunk-size");
  }

  @Test
  @DisplayName("INV-19: a missing key is named too")
  void aMissingKeyIsNamed() {
    Config config = ConfigFactory.defaultReference().withoutPath("stowage.group-commit.max-batch");

    assertThatThrownBy(() -> StorageSettings.fromConfig(config))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("stowage.group-commit.max-batch is missing");
    assertThatThrownBy(() -> StorageSettings.fromConfig(null)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> StorageSettings.fromConfig(ConfigFactory.defaultReference().withoutPath("stowage.overload.max-wait")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("stowage.overload.max-wait is missing");
  }
}
