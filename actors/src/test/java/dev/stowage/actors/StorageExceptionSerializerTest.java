package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.serialization.StorageExceptionSerializer;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.NotDeliveredException;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageOverloadedException;
import dev.stowage.protocol.StorageUnavailableException;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error a reply can carry crosses {@link StorageExceptionSerializer}, as reference.conf binds
 * it, as its type and its message.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorageExceptionSerializerTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  Stream<StorageException> errors() {
    return Stream.of(
        new CorruptEntryException("corrupt"),
        new EntryMissingException("missing"),
        new InvalidRequestException("invalid"),
        new StorageClosedException("closed"),
        new StorageFailedException("failed"),
        new StorageUnavailableException("unavailable"),
        new NotDeliveredException("manifest 0: the call did not reach its entity"),
        new StorageOverloadedException("workspace 'ws' is overloaded"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void errorsRoundTripAsTheirTypeAndMessage(StorageException error) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    Serializer serializer = serialization.findSerializerFor(error);
    assertThat(serializer.identifier()).as("StorageExceptionSerializer").isEqualTo(StorageExceptionSerializer.IDENTIFIER);

    byte[] bytes = serialization.serialize(error).get();
    Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, error)).get();

    assertThat((Throwable) back).isExactlyInstanceOf(error.getClass()).hasMessage(error.getMessage());
  }
}
