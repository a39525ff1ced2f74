package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.actors.gateway.GatewayEvent;
import dev.stowage.actors.workspace.DataBackup;
import dev.stowage.actors.workspace.LocalWorkspace;
import dev.stowage.actors.workspace.PayloadPipeline;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.StorageCommand;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The public protocol holds only what a client may send; the actors' own messages are outside it
 * (a holder of the supervisor's ref cannot send them: it is an {@code ActorRef<StorageCommand>}),
 * and only what crosses nodes is bound to a serializer.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicProtocolTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  /** Messages the actors send themselves and each other, one of each kind a supervisor or entity receives. */
  private static final List<Class<?>> INTERNAL = List.of(
      GatewayEvent.Opened.class, GatewayEvent.Failed.class, EntityHost.Dirty.class, EntityHost.Clean.class,
      EntityHost.Idle.class, EntityHost.Started.class, EntityHost.Stopped.class, EntityCommand.Fail.class,
      FacadeMessage.Drained.class, FacadeMessage.ViaSupervisor.class, FacadeMessage.ReadBehindWrites.class,
      PayloadPipeline.Sealed.class, LocalWorkspace.RunOnDataStore.class, LocalWorkspace.RunOnCacheStore.class,
      ManifestBackend.Loaded.class, ManifestBackend.Flushed.class, FacadeMessage.Backup.class, DataBackup.Done.class);

  @Test
  @DisplayName("every message of the public protocol is a client request, declared in dev.stowage.protocol")
  void thePublicProtocolHoldsOnlyClientRequests() {
    List<Class<?>> leaves = new ArrayList<>();
    collectLeaves(StorageCommand.class, leaves);
    assertThat(leaves).isNotEmpty().allSatisfy(type -> {
      assertThat(type.isRecord()).as("%s is a record", type).isTrue();
      assertThat(type.getPackageName()).isEqualTo("dev.stowage.protocol");
      assertThat(StorageCommand.Request.class).isAssignableFrom(type);
    });
  }

  @Test
  @DisplayName("the actors' own messages are not part of the public protocol, and are bound to no serializer")
  void internalMessagesStayInside() {
    assertThat(INTERNAL).allSatisfy(type -> {
      assertThat(StorageCommand.class.isAssignableFrom(type)).as("%s is public protocol", type).isFalse();
      assertThat(CborSerializable.class.isAssignableFrom(type)).as("%s is bound to CBOR", type).isFalse();
    });
  }

  @Test
  @DisplayName("the one entity command that crosses nodes (a flush asked through the shard region) crosses the CBOR serializer")
  void theEntityControlCrossesNodes() {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    for (EntityCommand.Lifecycle control : EntityCommand.Lifecycle.values()) {
      Serializer serializer = serialization.findSerializerFor(control);
      assertThat(serializer.identifier()).as("the jackson-cbor serializer").isEqualTo(33);
      byte[] bytes = serialization.serialize(control).get();
      assertThat(serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, control))
          .get()).isEqualTo(control);
    }
  }

  private static void collectLeaves(Class<?> type, List<Class<?>> leaves) {
    Class<?>[] permitted = type.getPermittedSubclasses();
    if (permitted == null) {
      leaves.add(type);
      return;
    }
    for (Class<?> sub : permitted) {
      collectLeaves(sub, leaves);
    }
  }
}
