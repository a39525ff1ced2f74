package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.facade.ActorWorkspaceStorage;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.actors.workspace.LocalWorkspace;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageOverloadedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stowage.overload} through the façade, with the data gateway's thread held by a latch so
 * that admitted calls stay in flight as long as the test wants: which calls are admitted, which are
 * exempt, what a refused or waiting call meets, and that the order of one caller's calls survives
 * the wait. {@link CallAdmissionTest} covers the admission's own logic, {@link OverloadFloodTest}
 * the whole under a flood.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class FacadeAdmissionTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;

  private final LocalKey key = LocalKey.generate();
  private CountDownLatch held;

  @AfterEach
  void releaseTheGateway() {
    if (held != null) {
      held.countDown();
    }
  }

  private WorkspaceStorage open(String overload) {
    return result(Stowage.open(testKit.system(), "admission", key,
        TestSettings.in(base, "stowage.overload { " + overload + " }")));
  }

  /** Occupies the data gateway's writer until {@link #held} is released: writes stay in flight behind it. */
  private void holdTheDataGateway(WorkspaceStorage storage) {
    held = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = held;
    AskPattern.<Object, Boolean>askWithStatus(storage.supervisor().unsafeUpcast(),
        replyTo -> new LocalWorkspace.RunOnDataStore<>(StoreOperation.<DataStore, Boolean>read("hold the writer", store -> {
          running.countDown();
          try {
            return release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }), replyTo), Duration.ofSeconds(90), testKit.system().scheduler());
    try {
      assertThat(running.await(20, TimeUnit.SECONDS)).as("the gateway runs the held work").isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static final EntryId PARENT = EntryId.random();

  private static FolderManifest folder(EntryId id) {
    return new FolderManifest(id, PARENT, 0, true, Instant.parse("2026-01-01T00:00:00Z"), Map.of());
  }

  @Test
  @DisplayName("when-full = fail: past max-calls-in-flight a call fails at once with StorageOverloadedException, sends "
      + "nothing, and is counted; the admitted calls complete, and once they have, calls are admitted again")
  void failModeRefusesAtOnceAndRecovers() {
    WorkspaceStorage storage = open("max-calls-in-flight = 1, when-full = fail");
    ChunkId admitted = ChunkId.random();
    ChunkId refused = ChunkId.random();
    holdTheDataGateway(storage);

    CompletionStage<Done> inFlight = storage.setChunk(admitted, new byte[] {1});
    Throwable overloaded = failure(storage.setChunk(refused, new byte[] {2}));
    Throwable readRefused = failure(storage.getChunk(refused));
    Throwable invalid = failure(storage.setChunk(null, new byte[] {3}));
    held.countDown();
    result(inFlight);

    assertThat(overloaded).isInstanceOf(StorageOverloadedException.class)
        .hasMessageContaining("workspace 'admission'").hasMessageContaining("max-calls-in-flight = 1");
    assertThat(readRefused).as("reads are admitted too").isInstanceOf(StorageOverloadedException.class);
    assertThat(invalid).as("arguments are checked before admission").isInstanceOf(InvalidRequestException.class);
    StorageStats stats = result(storage.stats());
    assertThat(stats.refusedCalls()).isEqualTo(2);
    assertThat(stats.waitedCalls()).isZero();
    assertThat(result(storage.getLocalChunkIds(List.of(admitted, refused)))).containsExactly(admitted);
    result(storage.setChunk(refused, new byte[] {2}));
    assertThat(result(storage.getChunk(refused))).containsExactly(2);
    assertThat(((ActorWorkspaceStorage) storage).admission().callsInFlight()).isZero();
  }

  @Test
  @DisplayName("close, stats, clearMemoryCache and backup are never refused, and a cached manifest is read while the workspace is full")
  void exemptCallsGoThroughAFullWorkspace() {
    WorkspaceStorage storage = open("max-calls-in-flight = 1, when-full = fail");
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id), true, Set.of()));
    EntryId durable = EntryId.random();
    result(storage.setManifest(durable, folder(durable)));
    holdTheDataGateway(storage);

    CompletionStage<Done> inFlight = storage.setChunk(ChunkId.random(), new byte[] {1});
    LocalManifest read = result(storage.getManifest(id));
    BackupResult backup = result(storage.backup(base.resolve("while-full.db")));
    CompletionStage<StorageStats> stats = storage.stats();
    CompletionStage<Done> discard = storage.clearMemoryCache(false);
    CompletionStage<Done> close = storage.close();
    held.countDown();

    assertThat(read).isEqualTo(folder(id));
    assertThat(backup.file()).exists();
    assertThat(backup.manifests()).as("the backup holds the durable manifest, not the cache-only one").isEqualTo(1);
    result(inFlight);
    assertThat(result(stats).refusedCalls()).isZero();
    result(discard);
    result(close);
    assertThat(failure(storage.setChunk(ChunkId.random(), new byte[] {1}))).isInstanceOf(StorageClosedException.class);
  }

  @Test
  @DisplayName("when-full = wait: calls past the limit wait and go in the order they were made, so a write, a clear and "
      + "a read of one chunk made without waiting still take effect in that order")
  void waitModeKeepsTheOrderOfCalls() {
    WorkspaceStorage storage = open("max-calls-in-flight = 1, when-full = wait, max-wait = 1 minute");
    ChunkId chunk = ChunkId.random();
    holdTheDataGateway(storage);

    CompletionStage<Done> write = storage.setChunk(chunk, new byte[] {7});
    CompletionStage<Done> clear = storage.clearChunk(chunk);
    CompletionStage<byte[]> read = storage.getChunk(chunk);
    CompletionStage<Done> writeAgain = storage.setChunk(chunk, new byte[] {8});
    CompletionStage<byte[]> readAgain = storage.getChunk(chunk);
    assertThat(((ActorWorkspaceStorage) storage).admission().callsWaiting()).isEqualTo(4);
    held.countDown();

    result(write);
    result(clear);
    assertThat(failure(read)).isInstanceOf(EntryMissingException.class);
    result(writeAgain);
    assertThat(result(readAgain)).containsExactly(8);
    StorageStats stats = result(storage.stats());
    assertThat(stats.waitedCalls()).isEqualTo(4);
    assertThat(stats.refusedCalls()).isZero();
  }

  @Test
  @DisplayName("when-full = wait: a call that waits max-wait fails with StorageOverloadedException and is never sent")
  void aCallWaitingPastMaxWaitFailsUnsent() {
    WorkspaceStorage storage = open("max-calls-in-flight = 1, when-full = wait, max-wait = 100ms");
    ChunkId admitted = ChunkId.random();
    ChunkId expired = ChunkId.random();
    EntryId manifest = EntryId.random();
    holdTheDataGateway(storage);

    CompletionStage<Done> inFlight = storage.setChunk(admitted, new byte[] {1});
    Throwable waited = failure(storage.setChunk(expired, new byte[] {2}));
    Throwable manifestWaited = failure(storage.setManifest(manifest, folder(manifest)));
    held.countDown();
    result(inFlight);

    assertThat(waited).isInstanceOf(StorageOverloadedException.class).hasMessageContaining("max-wait = 100 ms");
    assertThat(manifestWaited).isInstanceOf(StorageOverloadedException.class);
    assertThat(result(storage.getLocalChunkIds(List.of(admitted, expired)))).containsExactly(admitted);
    assertThat(failure(storage.getManifest(manifest))).isInstanceOf(EntryMissingException.class);
    assertThat(result(storage.stats()).refusedCalls()).isEqualTo(2);
  }

  @Test
  @DisplayName("when-full = wait: a call waiting when the workspace closes is answered, never dropped")
  void aWaitingCallIsAnsweredWhenTheWorkspaceCloses() throws Exception {
    WorkspaceStorage storage = open("max-calls-in-flight = 1, when-full = wait, max-wait = 1 minute");
    ChunkId admitted = ChunkId.random();
    ChunkId waiting = ChunkId.random();
    holdTheDataGateway(storage);

    CompletionStage<Done> inFlight = storage.setChunk(admitted, new byte[] {1});
    CompletableFuture<Done> waits = storage.setChunk(waiting, new byte[] {2}).toCompletableFuture();
    CompletionStage<Done> close = storage.close();
    held.countDown();
    result(inFlight);
    result(close);

    // Sent once the first call freed its place: before the close reached the supervisor, or after.
    Throwable error = waits.handle((done, e) -> e).get(20, TimeUnit.SECONDS);
    if (error != null) {
      assertThat(StatusReplies.unwrap(error)).isInstanceOf(StorageClosedException.class);
    }
    WorkspaceStorage reopened = open("max-calls-in-flight = 1");
    Set<ChunkId> stored = result(reopened.getLocalChunkIds(List.of(admitted, waiting)));
    assertThat(stored).contains(admitted);
    assertThat(stored.contains(waiting)).as("stored exactly if acknowledged").isEqualTo(error == null);
  }
}
