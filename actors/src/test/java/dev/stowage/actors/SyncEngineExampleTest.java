package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.storage.LocalKey;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's sync-engine example ({@code <!-- sync-example}) compiles against this module as
 * written, and does what the README says on a real workspace: it uploads every entry that needs
 * it, marks each synced with its chunks uploaded, promotes the chunks to the block cache, and its
 * watcher refreshes the UI as the changes come and shows the backlog.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class SyncEngineExampleTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path dir;

  @Test
  void theReadmesSyncExampleUploadsPromotesAndWatches() throws Exception {
    Class<?> example = ReadmeBlocks.compiledJava("<!-- sync-example", "SyncEngine", dir);
    WorkspaceStorage storage = Await.result(Stowage.open(testKit.system(), "sync-example", LocalKey.generate(),
        TestSettings.in(dir, "stowage { feed.backlog-interval = 50ms }")));

    // The UI and the server, as the example's two interfaces: recorders.
    List<Object> refreshed = new CopyOnWriteArrayList<>();
    List<SyncBacklog> backlogs = new CopyOnWriteArrayList<>();
    Class<?> uiType = nested(example, "Ui");
    Object ui = proxy(uiType, (p, method, args) -> {
      switch (method.getName()) {
        case "refresh" -> refreshed.add(args[0]);
        case "showBacklog" -> backlogs.add((SyncBacklog) args[0]);
        default -> { }
      }
      return null;
    });
    Map<ChunkId, byte[]> serverChunks = new ConcurrentHashMap<>();
    Object server = proxy(nested(example, "Server"), (p, method, args) -> {
      if (method.getName().equals("putChunk")) {
        serverChunks.put((ChunkId) args[0], (byte[]) args[1]);
        return null;
      }
      return synced((LocalManifest) args[0]);
    });
    CompletionStage<Done> watching = invoke(example, "watch", storage, testKit.system(), ui);
    // The feed subscribes as its stream starts, on the stream's own actor: a change made before
    // that is not told. Its first backlog (at the next tick) says it is subscribed; the backlogs the
    // test looks for below are those after it.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(backlogs).isNotEmpty();
      return null;
    });
    backlogs.clear();

    EntryId root = EntryId.random();
    ChunkId a = ChunkId.random();
    ChunkId b = ChunkId.random();
    Await.result(storage.setChunk(a, "first".getBytes(StandardCharsets.UTF_8)));
    Await.result(storage.setChunk(b, "second".getBytes(StandardCharsets.UTF_8)));
    FileManifest file = new FileManifest(EntryId.random(), root, 0, true, Instant.now(), 11, 512,
        List.of(new ChunkRef(a, 0, 5), new ChunkRef(b, 5, 6)));
    Await.result(storage.setManifest(file.id(), file, true, Set.of()));
    FolderManifest folder = new FolderManifest(root, root, 0, true, Instant.now(), Map.of("f", file.id()));
    Await.result(storage.setManifest(root, folder));
    // The feed tells a backlog only when it differs from the last, at its ticks: the UI is shown
    // the two entries to upload (they stay until the upload), then the empty backlog after it.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(backlogs).anyMatch(backlog -> backlog.pendingEntries() == 2);
      return null;
    });

    int uploaded = this.<Integer>invoke(example, "uploadAll", storage, server);

    assertThat(uploaded).isEqualTo(2);
    assertThat(serverChunks).containsOnlyKeys(a, b);
    assertThat(Await.result(storage.getOutboundSyncBacklog())).isEqualTo(new SyncBacklog(0, 0));
    FileManifest stored = (FileManifest) Await.result(storage.getManifest(file.id()));
    assertThat(stored.needSync()).isFalse();
    assertThat(stored.chunks()).allMatch(ChunkRef::uploaded);
    assertThat(Await.result(storage.getBlock(a))).isEqualTo("first".getBytes(StandardCharsets.UTF_8));
    assertThat(Await.failure(storage.getChunk(a))).isInstanceOf(EntryMissingException.class);
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(refreshed).contains(file.id(), root);
      assertThat(backlogs.get(backlogs.size() - 1)).isEqualTo(new SyncBacklog(0, 0));
      return null;
    });

    Await.result(storage.close());
    Await.result(watching);
  }

  /** What the server makes of an upload: its next version, synced, every chunk uploaded. */
  private static LocalManifest synced(LocalManifest local) {
    if (local instanceof FileManifest f) {
      return new FileManifest(f.id(), f.parent(), f.baseVersion() + 1, false, f.updated(), f.size(), f.blocksize(),
          f.chunks().stream().map(ChunkRef::asUploaded).toList());
    }
    FolderManifest f = (FolderManifest) local;
    return new FolderManifest(f.id(), f.parent(), f.baseVersion() + 1, false, f.updated(), f.children());
  }

  private static Class<?> nested(Class<?> example, String name) {
    return Arrays.stream(example.getDeclaredClasses()).filter(c -> c.getSimpleName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("the example has no " + name));
  }

  private static Object proxy(Class<?> type, InvocationHandler handler) {
    return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
  }

  @SuppressWarnings("unchecked")
  private <T> T invoke(Class<?> example, String name, Object... arguments) throws Exception {
    Method method = Arrays.stream(example.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("the example has no method " + name));
    method.setAccessible(true);
    return (T) method.invoke(null, arguments);
  }
}
