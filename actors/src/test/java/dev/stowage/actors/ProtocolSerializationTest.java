package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.actors.serialization.ManifestCommandSerializer;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand.GetInboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetOutboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetOutboundSyncBacklog;
import dev.stowage.protocol.StorageCommand.ListManifests;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.PromoteChunkToBlock;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import java.util.Optional;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageCommand.*;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.WorkspaceManifest;
import java.io.NotSerializableException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public message of the protocol crosses Pekko serialization unchanged: the manifest
 * commands and manifests through {@link ManifestCommandSerializer}, the rest through Jackson CBOR.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolSerializationTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  Stream<StorageCommand> messages() {
    ActorRef<Object> any = testKit.createTestProbe().ref();
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();
    FileManifest file = new FileManifest(id, EntryId.random(), 3, true, Instant.parse("2026-11-25T10:00:00.123456789Z"),
        12, 4, List.of(new ChunkRef(chunk, 0, 8), new ChunkRef(ChunkId.random(), 8, 4, true)));
    return Stream.of(
        new GetManifest(id, any.narrow()),
        new SetManifest(id, file, true, Set.of(chunk, ChunkId.random()), any.narrow()),
        new EnsureManifestPersistent(id, any.narrow()),
        new ClearManifest(id, any.narrow()),
        new PopulateManifest(id, file, any.narrow()),
        new UpdateManifests(List.of(new ManifestChange(id, Optional.of(file), file, Set.of(chunk)),
            ManifestChange.create(new FolderManifest(EntryId.random(), id, 0, true, Instant.EPOCH, Map.of()))),
            any.narrow()),
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
        new GetOutboundNeedSync(100, any.narrow()),
        new GetInboundNeedSync(1, any.narrow()),
        new ListManifests(id, 50, any.narrow()),
        new ListManifests(null, 50, any.narrow()),
        new GetOutboundSyncBacklog(any.narrow()),
        new PromoteChunkToBlock(chunk, any.narrow()),
        new Close(any.narrow()));
  }

  /** The change feed's events, which cross nodes in cluster mode (FeedRelay), and the backlog a reply carries. */
  Stream<Object> feedEvents() {
    return Stream.of(
        new WorkspaceEvent.ManifestChanged(EntryId.random(), true, WorkspaceEvent.ChangeCause.TRANSACTION),
        new WorkspaceEvent.ManifestChanged(EntryId.random(), false, WorkspaceEvent.ChangeCause.CHECKPOINT),
        new WorkspaceEvent.OutboundBacklogChanged(new SyncBacklog(12, 340L << 20)),
        new WorkspaceEvent.ChunkPromoted(ChunkId.random()),
        new WorkspaceEvent.EventsMissed(17),
        new WorkspaceEvent.WorkspaceClosed(),
        new WorkspaceEvent.WorkspaceFailed("the disk is full"),
        new SyncBacklog(0, 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("feedEvents")
  void feedEventsRoundTrip(Object event) {
    assertThat(serialization().findSerializerFor(event).identifier()).as("the jackson-cbor serializer").isEqualTo(33);
    assertThat(roundTrip(event)).isEqualTo(event);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void roundTripsThroughItsSerializer(StorageCommand message) {
    Serializer serializer = serialization().findSerializerFor(message);
    assertThat(serializer.identifier())
        .as(message instanceof ManifestCommand ? "the manifest-command serializer" : "the jackson-cbor serializer")
        .isEqualTo(message instanceof ManifestCommand ? ManifestCommandSerializer.IDENTIFIER : 33);

    assertThat(roundTrip(message)).isInstanceOf(message.getClass()).usingRecursiveComparison().isEqualTo(message);
  }

  /** What a tree transaction's coordinator and the entities it holds send each other, across nodes in cluster mode. */
  Stream<Object> transactionMessages() {
    ActorRef<Object> any = testKit.createTestProbe().ref();
    EntryId id = EntryId.random();
    FileManifest file = new FileManifest(id, EntryId.random(), 3, true, Instant.parse("2026-11-25T10:00:00.123456789Z"),
        12, 4, List.of(new ChunkRef(ChunkId.random(), 0, 12)));
    return Stream.of(
        new EntityCommand.Hold(new ManifestChange(id, Optional.of(file), file, Set.of(ChunkId.random())), any.narrow(),
            true, 1),
        new EntityCommand.Hold(ManifestChange.create(file), any.narrow(), false, 0),
        new EntityCommand.Apply(any.narrow()),
        new EntityCommand.Release(any.narrow(), true),
        new HoldReply.Held(id, any, new byte[] {1, 2, 3}, 3, true, List.of(ChunkId.random()), 17, 1),
        new HoldReply.Differs(id, 0),
        new HoldReply.Busy(id, 0),
        new HoldReply.Refused(id, new CorruptEntryException("manifest " + id + " is corrupt"), 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transactionMessages")
  void transactionMessagesRoundTrip(Object message) {
    assertThat(serialization().findSerializerFor(message).identifier()).as("the jackson-cbor serializer").isEqualTo(33);
    assertThat(roundTrip(message)).isInstanceOf(message.getClass()).usingRecursiveComparison().isEqualTo(message);
  }

  @org.junit.jupiter.api.Test
  void aRefusalKeepsItsType() {
    HoldReply.Refused refused = (HoldReply.Refused) roundTrip(
        new HoldReply.Refused(EntryId.random(), new StorageClosedException("closed"), 0));
    assertThat(refused.cause()).isInstanceOf(StorageClosedException.class).hasMessage("closed");
  }

  Stream<LocalManifest> manifests() {
    EntryId parent = EntryId.random();
    return Stream.of(
        new FileManifest(EntryId.random(), parent, 3, true, Instant.parse("2026-11-25T10:00:00.123456789Z"), 12, 4,
            List.of(new ChunkRef(ChunkId.random(), 0, 8), new ChunkRef(ChunkId.random(), 8, 4))),
        new FolderManifest(EntryId.random(), parent, 0, false, Instant.EPOCH, Map.of("a.txt", EntryId.random())),
        new WorkspaceManifest(EntryId.random(), 9, true, Instant.parse("2026-01-01T00:00:00Z"), Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void manifestsAnsweredToAnotherNodeRoundTrip(LocalManifest manifest) {
    assertThat(serialization().findSerializerFor(manifest).identifier()).isEqualTo(ManifestCommandSerializer.IDENTIFIER);
    assertThat(roundTrip(manifest)).isEqualTo(manifest);
  }

  @Test
  void damagedManifestCommandsAreRefusedNotMisread() {
    ActorRef<Object> any = testKit.createTestProbe().ref();
    EntryId id = EntryId.random();
    SetManifest set = new SetManifest(id, manifests().findFirst().orElseThrow(), false, Set.of(ChunkId.random()),
        any.narrow());
    ManifestCommandSerializer serializer =
        (ManifestCommandSerializer) serialization().findSerializerFor(set);
    byte[] bytes = serializer.toBinary(set);

    for (int length : new int[] {0, 1, 16, 22, bytes.length - 1}) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> serializer.fromBinary(truncated, serializer.manifest(set)))
          .as("truncated to %d of %d bytes", length, bytes.length)
          .isInstanceOf(NotSerializableException.class);
    }
    byte[] newer = bytes.clone();
    newer[0] = 2;
    assertThatThrownBy(() -> serializer.fromBinary(newer, serializer.manifest(set)))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("layout version 2");
    byte[] tooManyRemoved = bytes.clone();
    tooManyRemoved[18] = 0x7f;
    assertThatThrownBy(() -> serializer.fromBinary(tooManyRemoved, serializer.manifest(set)))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("removed chunk ids");
    assertThatThrownBy(() -> serializer.fromBinary(bytes, "XX"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("unknown manifest XX");
  }

  private Serialization serialization() {
    return SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  private Object roundTrip(Object message) {
    Serializer serializer = serialization().findSerializerFor(message);
    byte[] bytes = serialization().serialize(message).get();
    return serialization().deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
  }
}
