package dev.stowage.actors.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.TestSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.protocol.BackupResult;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand.Close;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle both modes share, on its own: a {@link WorkspaceSupervisor} over a scripted {@link
 * WorkspaceBackend} that records what it is asked and reports only when the test says so.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceSupervisorTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;

  private static final Duration A_WHILE = Duration.ofMillis(200);

  /** Records every call; answers a served realm-checkpoint read with how many requests it served. */
  private static final class ScriptedBackend implements WorkspaceBackend {
    final Events events;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<StorageCommand.Request> served = new CopyOnWriteArrayList<>();
    final AtomicReference<Consumer<StatusReply<Done>>> entitiesStopped = new AtomicReference<>();

    ScriptedBackend(Events events) {
      this.events = events;
    }

    @Override
    public void open() {
      calls.add("open");
    }

    @Override
    public WorkspaceStorage storage(ActorRef<Object> supervisor) {
      return null;
    }

    @Override
    public void getRealmCheckpoint(GetRealmCheckpoint request) {
      served.add(request);
      request.replyTo().tell(StatusReply.success((long) served.size()));
    }

    // Every other operation is recorded, and not answered.

    @Override
    public void manifest(StorageCommand.ManifestCommand command) {
      served.add(command);
    }

    @Override
    public void getChunk(StorageCommand.GetChunk request) {
      served.add(request);
    }

    @Override
    public void setChunk(StorageCommand.SetChunk request) {
      served.add(request);
    }

    @Override
    public void clearChunk(StorageCommand.ClearChunk request) {
      served.add(request);
    }

    @Override
    public void getLocalChunkIds(StorageCommand.GetLocalChunkIds request) {
      served.add(request);
    }

    @Override
    public void getBlock(StorageCommand.GetBlock request) {
      served.add(request);
    }

    @Override
    public void setBlock(StorageCommand.SetBlock request) {
      served.add(request);
    }

    @Override
    public void clearBlock(StorageCommand.ClearBlock request) {
      served.add(request);
    }

    @Override
    public void getNeedSyncEntries(StorageCommand.GetNeedSyncEntries request) {
      served.add(request);
    }

    @Override
    public void updateRealmCheckpoint(StorageCommand.UpdateRealmCheckpoint request) {
      served.add(request);
    }

    @Override
    public void getPreventSyncPattern(StorageCommand.GetPreventSyncPattern request) {
      served.add(request);
    }

    @Override
    public void setPreventSyncPattern(StorageCommand.SetPreventSyncPattern request) {
      served.add(request);
    }

    @Override
    public void markPreventSyncPatternFullyApplied(StorageCommand.MarkPreventSyncPatternFullyApplied request) {
      served.add(request);
    }

    @Override
    public void runVacuum(StorageCommand.RunVacuum request) {
      served.add(request);
    }

    @Override
    public void getStats(StorageCommand.GetStats request) {
      served.add(request);
    }

    private final dev.stowage.actors.feed.ChangeFeed feed = new dev.stowage.actors.feed.ChangeFeed();

    @Override
    public void updateManifests(StorageCommand.UpdateManifests request) {
      served.add(request);
    }

    @Override
    public dev.stowage.actors.feed.ChangeFeed feed() {
      return feed;
    }

    @Override
    public void getOutboundNeedSync(StorageCommand.GetOutboundNeedSync request) {
      served.add(request);
    }

    @Override
    public void getInboundNeedSync(StorageCommand.GetInboundNeedSync request) {
      served.add(request);
    }

    @Override
    public void listManifests(StorageCommand.ListManifests request) {
      served.add(request);
    }

    @Override
    public void getOutboundSyncBacklog(StorageCommand.GetOutboundSyncBacklog request) {
      served.add(request);
    }

    @Override
    public void promoteChunkToBlock(StorageCommand.PromoteChunkToBlock request) {
      served.add(request);
    }

    @Override
    public void onMessage(SupervisorMessage message, StorageException refusal) {
      calls.add("message");
    }

    @Override
    public void clearMemoryCache(boolean flush, Consumer<StatusReply<Done>> done) {
      done.accept(StatusReply.ack());
    }

    @Override
    public void stopEntities(StorageException refusal, Consumer<StatusReply<Done>> done) {
      calls.add("stopEntities");
      entitiesStopped.set(done);
    }

    @Override
    public void failEntities(StorageException cause) {
      calls.add("failEntities");
    }

    @Override
    public void release() {
      calls.add("release");
    }
  }

  /** What the owner heard, in order. */
  private final BlockingQueue<String> owner = new LinkedBlockingQueue<>();

  private final WorkspaceOwner recordingOwner = new WorkspaceOwner() {
    @Override
    public void opened(WorkspaceStorage storage) {
      owner.add("opened");
    }

    @Override
    public void openFailed(StorageException cause) {
      owner.add("openFailed: " + cause.getMessage());
    }

    @Override
    public void closing() {
      owner.add("closing");
    }

    @Override
    public void released() {
      owner.add("released");
    }
  };

  private WorkspaceHealth health;
  private final AtomicReference<ScriptedBackend> backend = new AtomicReference<>();

  /** One ActorSystem for the class; a fresh workspace, owner and backend for each test. */
  @BeforeEach
  void freshWorkspace() {
    health = new WorkspaceHealth();
    owner.clear();
    backend.set(null);
  }

  private ActorRef<StorageCommand> spawn() {
    WorkspaceHealth health = this.health;
    return testKit.spawn(WorkspaceSupervisor.create("w", TestSettings.in(base), health, recordingOwner,
        (context, events) -> {
          ScriptedBackend scripted = new ScriptedBackend(events);
          backend.set(scripted);
          return scripted;
        }));
  }

  private ScriptedBackend backend() {
    TestProbe.create(testKit.system()).awaitAssert(() -> {
      assertThat(backend.get()).isNotNull();
      return null;
    });
    return backend.get();
  }

  private void awaitCall(String call) {
    TestProbe.create(testKit.system()).awaitAssert(() -> {
      assertThat(backend().calls).contains(call);
      return null;
    });
  }

  private String nextOwnerEvent() throws InterruptedException {
    String event = owner.poll(5, TimeUnit.SECONDS);
    assertThat(event).as("the owner heard something").isNotNull();
    return event;
  }

  private ActorRef<StorageCommand> opened() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = spawn();
    backend().events.opened();
    assertThat(nextOwnerEvent()).isEqualTo("opened");
    return supervisor;
  }

  @Test
  @DisplayName("requests sent while the stores open wait, and are served in their order once open")
  void requestsWhileOpeningAreServedOnceOpen() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = spawn();
    TestProbe<StatusReply<Long>> replies = testKit.createTestProbe();
    for (int i = 0; i < 3; i++) {
      supervisor.tell(new GetRealmCheckpoint(replies.ref()));
    }
    replies.expectNoMessage(A_WHILE);
    assertThat(backend().served).isEmpty();

    backend().events.opened();

    assertThat(nextOwnerEvent()).isEqualTo("opened");
    for (long i = 1; i <= 3; i++) {
      assertThat(replies.receiveMessage().getValue()).isEqualTo(i);
    }
  }

  @Test
  @DisplayName("INV-6: a store that fails to open releases the rest; then the owner and every waiting request hear the failure, and the actor stops")
  void aFailedOpenReleasesThenAnswersWithTheFailure() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = spawn();
    TestProbe<StatusReply<Long>> read = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> close = testKit.createTestProbe();
    supervisor.tell(new GetRealmCheckpoint(read.ref()));
    supervisor.tell(new Close(close.ref()));
    replyLess(read, close);

    backend().events.failed(new StorageFailedException("the data database could not be opened"));

    awaitCall("release");
    assertThat(health.failed()).as("recorded before anyone is answered").isTrue();
    replyLess(read, close); // not before the files are released
    backend().events.released(null);

    assertThat(nextOwnerEvent()).isEqualTo("openFailed: the data database could not be opened");
    assertThat(read.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(close.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    read.expectTerminated(supervisor);
    assertThat(backend().served).isEmpty();
  }

  @Test
  @DisplayName("INV-10: close stops every entity, then releases the files, then answers; calls after it are refused as closed")
  void closeStopsTheEntitiesThenReleasesThenAnswers() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = opened();
    TestProbe<StatusReply<Done>> close = testKit.createTestProbe();
    supervisor.tell(new Close(close.ref()));

    awaitCall("stopEntities");
    assertThat(nextOwnerEvent()).isEqualTo("closing");
    assertThat(health.ending()).as("the façade's direct paths are closed").isTrue();
    close.expectNoMessage(A_WHILE);
    assertThat(backend().calls).doesNotContain("release");

    backend().entitiesStopped.get().accept(StatusReply.ack());
    awaitCall("release");
    close.expectNoMessage(A_WHILE);
    backend().events.released(null);

    assertThat(close.receiveMessage().isSuccess()).isTrue();
    assertThat(nextOwnerEvent()).isEqualTo("released");
    TestProbe<StatusReply<Long>> late = testKit.createTestProbe();
    supervisor.tell(new GetRealmCheckpoint(late.ref()));
    assertThat(late.receiveMessage().getError()).isInstanceOf(StorageClosedException.class);
    assertThat(backend().calls).doesNotContain("failEntities");
  }

  @Test
  @DisplayName("INV-6: a failure while open is recorded first; later calls get it; close answers with it once the files are released")
  void aFailureWhileOpenFailsClosed() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = opened();

    backend().events.failed(new StorageFailedException("disk full"));

    awaitCall("release");
    assertThat(backend().calls).containsSubsequence("failEntities", "release");
    assertThat(health.failed()).isTrue();
    TestProbe<StatusReply<Long>> read = testKit.createTestProbe();
    supervisor.tell(new GetRealmCheckpoint(read.ref()));
    assertThat(read.receiveMessage().getError()).isInstanceOf(StorageFailedException.class).hasMessage("disk full");
    TestProbe<StatusReply<Done>> close = testKit.createTestProbe();
    supervisor.tell(new Close(close.ref()));
    close.expectNoMessage(A_WHILE);

    backend().events.released(null);

    assertThat(close.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(nextOwnerEvent()).isEqualTo("released");
    assertThat(backend().served).isEmpty();
  }

  @Test
  @DisplayName("INV-6: a failure while closing fails the close too: it answers with the failure, not as a clean shutdown")
  void aFailureWhileClosingFailsTheClose() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = opened();
    TestProbe<StatusReply<Done>> close = testKit.createTestProbe();
    supervisor.tell(new Close(close.ref()));
    awaitCall("stopEntities");

    backend().events.failed(new StorageFailedException("I/O error"));
    awaitCall("failEntities");
    backend().events.released(null);

    assertThat(close.receiveMessage().getError()).isInstanceOf(StorageFailedException.class).hasMessage("I/O error");
  }

  @Test
  @DisplayName("a backup asked of a backend that keeps no local files (cluster mode) is refused, typed, saying it is local mode only")
  void aBackupOfABackendWithoutLocalFilesIsRefused() throws InterruptedException {
    ActorRef<Object> supervisor = opened().unsafeUpcast();
    TestProbe<StatusReply<BackupResult>> reply = testKit.createTestProbe();

    supervisor.tell(new FacadeMessage.Backup(base.resolve("backup"), reply.ref()));

    assertThat(reply.receiveMessage().getError()).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("backup is local mode only");
    assertThat(backend().calls).as("not a message for the backend").doesNotContain("message");
    assertThat(base.resolve("backup")).doesNotExist();
  }

  @Test
  @DisplayName("INV-6: a backup asked of a failed workspace is answered with the failure")
  void aBackupOfAFailedWorkspaceGetsTheFailure() throws InterruptedException {
    ActorRef<Object> supervisor = opened().unsafeUpcast();
    backend().events.failed(new StorageFailedException("disk full"));
    awaitCall("release");
    TestProbe<StatusReply<BackupResult>> reply = testKit.createTestProbe();

    supervisor.tell(new FacadeMessage.Backup(base.resolve("backup"), reply.ref()));

    assertThat(reply.receiveMessage().getError()).isInstanceOf(StorageFailedException.class).hasMessage("disk full");
  }

  @Test
  @DisplayName("INV-19: a bad request is refused by the supervisor and never reaches the backend")
  void aBadRequestNeverReachesTheBackend() throws InterruptedException {
    ActorRef<StorageCommand> supervisor = opened();
    TestProbe<StatusReply<Done>> reply = testKit.createTestProbe();

    supervisor.tell(new SetChunk(ChunkId.random(), null, reply.ref()));

    assertThat(reply.receiveMessage().getError()).isInstanceOf(InvalidRequestException.class);
    assertThat(backend().served).isEmpty();
  }

  private static void replyLess(TestProbe<?>... probes) {
    for (TestProbe<?> probe : probes) {
      probe.expectNoMessage(A_WHILE);
    }
  }
}
