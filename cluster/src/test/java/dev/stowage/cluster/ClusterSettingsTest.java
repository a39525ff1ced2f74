package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.protocol.InvalidRequestException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cluster mode's settings: the defaults of reference.conf, and a typed error naming a bad key. */
class ClusterSettingsTest {

  private static Config with(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void theDefaultsParse() {
    ClusterSettings settings = ClusterSettings.fromConfig(with(""));
    assertThat(settings.manifestWriters()).isEqualTo(2);
    assertThat(settings.manifestMaxBatch()).isEqualTo(256);
    assertThat(settings.numberOfShards()).isEqualTo(100);
    assertThat(settings.chunkPoolSize()).isEqualTo(4);
    assertThat(settings.preallocateShards()).isTrue();
  }

  @Test
  @DisplayName("Shards are preallocated unless turned off or entity.max-active is below twice number-of-shards")
  void preallocationNeedsRoomForItsEntities() {
    ClusterSettings cluster = ClusterSettings.fromConfig(with(""));
    assertThat(ShardPreallocation.worthIt(cluster, StorageSettings.fromConfig(with("")))).isTrue();
    assertThat(ShardPreallocation.worthIt(cluster, StorageSettings.fromConfig(with("stowage.entity.max-active = 199"))))
        .isFalse();
    assertThat(ShardPreallocation.worthIt(ClusterSettings.fromConfig(with("stowage.cluster.preallocate-shards = off")),
        StorageSettings.fromConfig(with("")))).isFalse();
  }

  @Test
  @DisplayName("Cluster mode's reference.conf wins over Pekko's for the keys it tunes")
  void theTunedPekkoKeysTakeEffect() {
    Config config = ConfigFactory.load();
    assertThat(config.getDuration("pekko.remote.artery.advanced.shutdown-flush-timeout")).hasSeconds(5);
    assertThat(config.getString("pekko.cluster.sharding.passivation.strategy")).isEqualTo("none");
  }

  @Test
  void aFlagOfTheWrongTypeNamesItsKey() {
    assertThatThrownBy(() -> ClusterSettings.fromConfig(with("stowage.cluster.preallocate-shards = sometimes")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("preallocate-shards");
  }

  @ParameterizedTest
  @ValueSource(strings = {"stowage.cluster.chunk-pool-size", "stowage.cluster.manifest-writer.connections",
      "stowage.cluster.manifest-writer.max-batch", "stowage.cluster.number-of-shards"})
  @DisplayName("A count that is not positive is refused with InvalidRequestException naming its key")
  void aCountMustBePositive(String key) {
    assertThatThrownBy(() -> ClusterSettings.fromConfig(with(key + " = 0")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining(key);
  }

  @Test
  void aValueOfTheWrongTypeNamesItsKey() {
    assertThatThrownBy(() -> ClusterSettings.fromConfig(with("stowage.cluster.number-of-shards = many")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("number-of-shards");
  }

  @Test
  void theDatabaseUrlMustBeJdbc() {
    assertThatThrownBy(() -> ClusterSettings.fromConfig(with("jdbc-durable-state-store.slick.db.url = \"postgres://x\"")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("url");
  }
}
