package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.storage.LocalKey;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's tree-operations example ({@code <!-- tree-example}) compiles against this module as
 * written, and does what the README says on a real workspace: a create writes the file and its
 * folder, a move both folders and the file, and a fetched value is stored only where nothing is.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class TreeOperationsExampleTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path dir;

  @Test
  void theReadmesTreeExampleCreatesMovesAndStoresFetchedManifests() throws Exception {
    Class<?> example = ReadmeBlocks.compiledJava("<!-- tree-example", "TreeOperations", dir);
    WorkspaceStorage storage = Await.result(Stowage.open(testKit.system(), "tree-example", LocalKey.generate(),
        TestSettings.in(dir)));
    EntryId root = EntryId.random();
    FolderManifest docs = new FolderManifest(EntryId.random(), root, 0, true, Instant.now(), Map.of());
    FolderManifest archive = new FolderManifest(EntryId.random(), root, 0, true, Instant.now(), Map.of());
    Await.result(storage.setManifest(docs.id(), docs));
    Await.result(storage.setManifest(archive.id(), archive));
    FileManifest file = new FileManifest(EntryId.random(), docs.id(), 0, true, Instant.now(), 0, 512 * 1024, List.of());

    Await.result(call(example, "create", storage, file, "a.txt"));
    assertThat(((FolderManifest) Await.result(storage.getManifest(docs.id()))).children())
        .containsExactly(Map.entry("a.txt", file.id()));
    Throwable twice = Await.failure(call(example, "create", storage, file, "a.txt"));
    assertThat(twice).isInstanceOf(IllegalStateException.class).hasMessage("a.txt exists already");

    Await.result(call(example, "move", storage, file.id(), "a.txt", docs.id(), archive.id()));
    assertThat(((FolderManifest) Await.result(storage.getManifest(docs.id()))).children()).isEmpty();
    assertThat(((FolderManifest) Await.result(storage.getManifest(archive.id()))).children())
        .containsExactly(Map.entry("a.txt", file.id()));
    assertThat(((FileManifest) Await.result(storage.getManifest(file.id()))).parent()).isEqualTo(archive.id());

    FolderManifest fetched = new FolderManifest(EntryId.random(), root, 4, false, Instant.now(), Map.of());
    assertThat(Await.result(this.<LocalManifest>call(example, "storeFetched", storage, fetched))).isEqualTo(fetched);
    FolderManifest stale = new FolderManifest(archive.id(), root, 1, false, Instant.now(), Map.of());
    assertThat(Await.result(this.<LocalManifest>call(example, "storeFetched", storage, stale)))
        .as("a local value is kept").isEqualTo(Await.result(storage.getManifest(archive.id())));
    Await.result(storage.close());
  }

  @SuppressWarnings("unchecked")
  private <T> CompletionStage<T> call(Class<?> example, String name, Object... arguments) throws Exception {
    Method method = Arrays.stream(example.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("the example has no method " + name));
    method.setAccessible(true);
    try {
      return (CompletionStage<T>) method.invoke(null, arguments);
    } catch (InvocationTargetException e) {
      throw new AssertionError(name + " threw instead of failing its stage", e.getCause());
    }
  }
}
