package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
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
    assertThat(config.getBytes(ClusterStorageProvider.FRAME_SIZE)).isEqualTo(2112L << 10);
  }

  @Test
  @DisplayName("INV-19: Artery's frame must hold the largest write accepted, or opening a workspace names both keys")
  void theFrameHoldsTheLargestWrite() {
    Config config = ConfigFactory.load();
    long frame = config.getBytes(ClusterStorageProvider.FRAME_SIZE);
    ClusterStorageProvider.requireFrameFor(StorageSettings.fromConfig(config), frame); // the defaults fit

    StorageSettings larger = StorageSettings.fromConfig(with("stowage.max-manifest-size = 2 MiB"));
    assertThatThrownBy(() -> ClusterStorageProvider.requireFrameFor(larger, frame))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(ClusterStorageProvider.FRAME_SIZE + " is " + frame + " bytes")
        .hasMessageContaining("at least " + (4L * 1024 * 1024 + 64 * 1024) + " for stowage.max-manifest-size (2097152 bytes)");
    StorageSettings moreDirty = StorageSettings.fromConfig(with("stowage.cache.max-dirty = 100000"));
    assertThatThrownBy(() -> ClusterStorageProvider.requireFrameFor(moreDirty, frame))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("at least " + (100_000L * 64 + 64 * 1024) + " for stowage.cache.max-dirty (100000)");
  }

  @Test
  void aDirtyEntryTakesNoMoreThanTheBoundInAPeersAnswer() {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "dirty-entries", with(""));
    try {
      List<WorkspacePeers.DirtyEntry> entries = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        entries.add(new WorkspacePeers.DirtyEntry(new EntryId(new UUID(-i, Long.MIN_VALUE)), true, true));
      }
      byte[] bytes = SerializationExtension.get(Adapter.toClassic(system)).serialize(new WorkspacePeers.DirtyEntries(entries)).get();

      assertThat(bytes.length).isLessThanOrEqualTo(10_000 * ClusterStorageProvider.DIRTY_ENTRY_BYTES);
    } finally {
      system.terminate();
    }
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
