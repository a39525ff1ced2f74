package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.*;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every public message of the protocol crosses Pekko's Jackson CBOR serializer unchanged. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolSerializationTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  Stream<StorageCommand> messages() {
    ActorRef<Object> any = testKit.createTestProbe().ref();
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();
    FileManifest file = new FileManifest(id, EntryId.random(), 3, true, Instant.parse("2026-11-25T10:00:00.123456789Z"),
        12, 4, List.of(new ChunkRef(chunk, 0, 12)));
    return Stream.of(
        new GetManifest(id, any.narrow()),
        new SetManifest(id, file, true, Set.of(chunk, ChunkId.random()), any.narrow()),
        new EnsureManifestPersistent(id, any.narrow()),
        new ClearManifest(id, any.narrow()),
        new GetChunk(chunk, any.narrow()),
        new SetChunk(chunk, new byte[] {1, 2, 3}, any.narrow()),
        new ClearChunk(chunk, any.narrow()),
        new GetLocalChunkIds(List.of(chunk, ChunkId.random()), any.narrow()),
        new GetBlock(chunk, any.narrow()),
        new SetBlock(chunk, new byte[] {4, 5}, any.narrow()),
        new ClearBlock(chunk, any.narrow()),
        new GetNeedSyncEntries(any.narrow()),
        new GetRealmCheckpoint(any.narrow()),
        new UpdateRealmCheckpoint(7, Map.of(id, 9L, EntryId.random(), 2L), any.narrow()),
        new GetPreventSyncPattern(any.narrow()),
        new SetPreventSyncPattern("(?i).*\\.tmp$", any.narrow()),
        new MarkPreventSyncPatternFullyApplied("(?i).*\\.tmp$", any.narrow()),
        new ClearMemoryCache(true, any.narrow()),
        new RunVacuum(any.narrow()),
        new GetStats(any.narrow()),
        new Close(any.narrow()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void roundTripsThroughJacksonCbor(StorageCommand message) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    Serializer serializer = serialization.findSerializerFor(message);
    assertThat(serializer.identifier()).as("the jackson-cbor serializer").isEqualTo(33);

    byte[] bytes = serialization.serialize(message).get();
    Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();

    assertThat(back).isInstanceOf(message.getClass()).usingRecursiveComparison().isEqualTo(message);
  }
}
