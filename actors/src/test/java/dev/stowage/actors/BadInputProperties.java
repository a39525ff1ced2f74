package dev.stowage.actors;

import static dev.stowage.actors.BadInputContract.examples;
import static dev.stowage.actors.BadInputContract.negatives;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.WorkspaceManifest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link BadInputContract} in local mode, in the default configuration (with max-chunk-size 1024):
 * one ActorSystem. Also what needs no store: manifests refuse negative numbers when they are built.
 */
@DisplayName("INV-19: bad input anywhere in the API is a typed error that changes nothing")
@ExtendWith(TestKitJUnit5Extension.class)
class BadInputProperties extends BadInputContract {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @Override
  protected WorkspaceNodes nodes() {
    return WorkspaceNodes.single(testKit.system());
  }

  @Override
  protected Stream<String> matrix() {
    return Stream.of("");
  }

  @Test
  @DisplayName("INV-19: negative versions, sizes and offsets are refused when a manifest is built")
  void negativeNumbersNeverMakeAManifest() {
    examples(100).forAll(negatives()).checkAssert(negative -> {
      int negativeInt = (int) Math.max(Integer.MIN_VALUE, negative);
      EntryId id = EntryId.random();
      ChunkId chunk = ChunkId.random();
      List<Runnable> builds = List.of(
          () -> new FolderManifest(id, id, negative, false, Instant.EPOCH, Map.of()),
          () -> new WorkspaceManifest(id, negative, false, Instant.EPOCH, Map.of()),
          () -> new FileManifest(id, id, negative, false, Instant.EPOCH, 0, 512, List.of()),
          () -> new FileManifest(id, id, 0, false, Instant.EPOCH, negative, 512, List.of()),
          () -> new FileManifest(id, id, 0, false, Instant.EPOCH, 0, negativeInt, List.of()),
          () -> new ChunkRef(chunk, negative, 1),
          () -> new ChunkRef(chunk, 0, negativeInt));
      builds.forEach(build -> assertThatThrownBy(build::run).isInstanceOf(InvalidRequestException.class));
    });
  }
}
