package dev.stowage.actors.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.DatabaseStats;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbGatewayTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());

  private ActorRef<GatewayCommand<DataStore>> gateway(Path dir, int maxBatch, Duration maxDelay, ActorRef<GatewayEvent> events) {
    return testKit.spawn(
        DbGateway.create("test data", () -> DataStore.open(dir, Durability.NORMAL, cipher), maxBatch, maxDelay, events,
            new WorkspaceHealth()),
        DispatcherSelector.fromConfig("stowage.gateway-dispatcher"));
  }

  /** A gateway that commits when its mailbox is empty (no batch or delay limit in the way), once it reported its file open. */
  private ActorRef<GatewayCommand<DataStore>> openedGateway(Path dir, TestProbe<GatewayEvent> events) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), events.ref());
    events.expectMessageClass(GatewayEvent.Opened.class);
    return gateway;
  }

  private static <R> GatewayCommand.Run<DataStore, R> execute(
      StoreOperation.Mode mode, StoreOperation.Body<DataStore, R> body, TestProbe<StatusReply<R>> probe) {
    return new GatewayCommand.Run<>(new StoreOperation<>(mode, "test", body), probe.ref());
  }

  /** Occupies the gateway thread until the returned latch is released, so requests queue up behind it. */
  private CountDownLatch hold(ActorRef<GatewayCommand<DataStore>> gateway) {
    CountDownLatch release = new CountDownLatch(1);
    TestProbe<StatusReply<Object>> ignored = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.READ, store -> {
      try {
        return release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, ignored));
    return release;
  }

  private static StoreOperation.Body<DataStore, ChunkId> putChunk(ChunkId id, int size) {
    return store -> {
      store.chunks().put(id, size, new byte[size], 0);
      return id;
    };
  }

  private DatabaseStats stats(ActorRef<GatewayCommand<DataStore>> gateway) {
    TestProbe<StatusReply<DatabaseStats>> probe = testKit.createTestProbe();
    gateway.tell(new GatewayCommand.GetStats<>(probe.ref()));
    return probe.receiveMessage().getValue();
  }

  @Test
  void writesQueuedTogetherShareOneCommitAndAreAllAnswered(@TempDir Path dir) {
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> gateway = openedGateway(dir, events);
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);

    List<ChunkId> ids = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ChunkId id = ChunkId.random();
      ids.add(id);
      gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(id, 10), writers));
    }
    release.countDown();

    List<ChunkId> acknowledged = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      acknowledged.add(writers.receiveMessage().getValue());
    }
    assertThat(acknowledged).containsExactlyElementsOf(ids);
    DatabaseStats stats = stats(gateway);
    assertThat(stats.writes()).isEqualTo(100);
    assertThat(stats.commits()).isEqualTo(1);
    assertThat(stats.maxBatchSize()).isEqualTo(100);
  }

  @Test
  void maxBatchBoundsTheWritesInOneCommit(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 10, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);
    for (int i = 0; i < 95; i++) {
      gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), writers));
    }
    release.countDown();
    writers.receiveSeveralMessages(95);

    DatabaseStats stats = stats(gateway);
    assertThat(stats.commits()).isEqualTo(10);
    assertThat(stats.maxBatchSize()).isEqualTo(10);
  }

  @Test
  void aZeroMaxDelayCommitsEveryWriteAlone(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ZERO, testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);
    for (int i = 0; i < 20; i++) {
      gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), writers));
    }
    release.countDown();
    writers.receiveSeveralMessages(20);

    assertThat(stats(gateway).commits()).isEqualTo(20);
  }

  @Test
  void readsAreAnsweredAtOnceAndSeeTheOpenBatch(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    TestProbe<StatusReply<Boolean>> readers = testKit.createTestProbe();
    ChunkId id = ChunkId.random();
    CountDownLatch release = hold(gateway);

    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(id, 1), writers));
    gateway.tell(execute(StoreOperation.Mode.READ,
        store -> store.database().inTransaction() && store.chunks().get(id).isPresent(), readers));
    release.countDown();

    // The read ran inside the batch, before the commit that answers the write.
    assertThat(readers.receiveMessage().getValue()).isTrue();
    assertThat(writers.receiveMessage().getValue()).isEqualTo(id);
  }

  @Test
  @DisplayName("INV-6: every writer of a failed batch and every later request get StorageFailedException; the owner is told")
  void aFailedBatchFailsAllItsWriters(@TempDir Path dir) {
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> gateway = openedGateway(dir, events);
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    TestProbe<StatusReply<Object>> failing = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);
    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), writers));
    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), writers));
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      throw new IllegalStateException("a bug between two statements");
    }, failing));
    release.countDown();

    assertThat(failing.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(writers.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(writers.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(events.expectMessageClass(GatewayEvent.Failed.class).cause()).isInstanceOf(StorageFailedException.class);
    gateway.tell(execute(StoreOperation.Mode.READ, store -> store.chunks().count(), failing));
    assertThat(failing.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    TestProbe<StatusReply<Done>> closer = testKit.createTestProbe();
    gateway.tell(new GatewayCommand.Close<>(closer.ref()));
    closer.expectMessage(StatusReply.ack());

    try (DataStore reopened = DataStore.open(dir, Durability.NORMAL, cipher)) {
      assertThat(reopened.chunks().count()).isZero();
    }
  }

  @Test
  @DisplayName("INV-6: a real SQLITE_FULL in a group-committed batch fails every writer of it; reopening gives the last commit")
  void diskFullInTheMiddleOfABatch(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    ChunkId committed = ChunkId.random();
    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(committed, 100), writers));
    writers.receiveMessage();
    TestProbe<StatusReply<Long>> limit = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.READ, store -> {
      store.database().setMaxPageCount(store.database().pageCount() + 20);
      return store.database().pageCount();
    }, limit));
    limit.receiveMessage();

    CountDownLatch release = hold(gateway);
    for (int i = 0; i < 40; i++) { // 40 × 8 KiB needs far more than 20 pages of 4 KiB
      gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 8192), writers));
    }
    release.countDown();

    List<StatusReply<ChunkId>> replies = writers.receiveSeveralMessages(40);
    assertThat(replies).allSatisfy(reply -> assertThat(reply.getError())
        .isInstanceOf(StorageFailedException.class).hasMessageContaining("is full"));
    TestProbe<StatusReply<Done>> closer = testKit.createTestProbe();
    gateway.tell(new GatewayCommand.Close<>(closer.ref()));
    closer.receiveMessage();
    try (DataStore reopened = DataStore.open(dir, Durability.NORMAL, cipher)) {
      assertThat(reopened.chunks().allIds()).containsExactly(committed);
      assertThat(reopened.database().integrityCheck()).isEqualTo("ok");
    }
  }

  @Test
  @DisplayName("INV-12: every statement runs on the gateway's one pinned thread, which owns the connection")
  void allWorkRunsOnOnePinnedThread(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<String>> threads = testKit.createTestProbe();
    for (int i = 0; i < 20; i++) {
      gateway.tell(execute(i % 2 == 0 ? StoreOperation.Mode.READ : StoreOperation.Mode.WRITE, store -> {
        String current = Thread.currentThread().getName();
        assertThat(store.database().ownerThreadName()).isEqualTo(current);
        return current;
      }, threads));
    }

    List<String> names = threads.receiveSeveralMessages(20).stream().map(StatusReply::getValue).distinct().toList();
    assertThat(names).hasSize(1);
    assertThat(names.get(0)).contains("stowage.gateway-dispatcher");
  }

  /**
   * Stores and deletes enough chunks that an incremental vacuum takes more than two steps of
   * {@link DbGateway#VACUUM_STEP_PAGES}; answers once they are deleted.
   */
  private void leaveFreePages(ActorRef<GatewayCommand<DataStore>> gateway) {
    TestProbe<StatusReply<Object>> done = testKit.createTestProbe();
    int chunks = 3 * DbGateway.VACUUM_STEP_PAGES / 4; // 16 KiB each: about four pages, plus the index
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      List<ChunkId> ids = new ArrayList<>();
      for (int i = 0; i < chunks; i++) {
        ChunkId id = ChunkId.random();
        store.chunks().put(id, 16 * 1024, new byte[16 * 1024], 0);
        ids.add(id);
      }
      return ids;
    }, done));
    @SuppressWarnings("unchecked")
    List<ChunkId> ids = (List<ChunkId>) done.receiveMessage(Duration.ofSeconds(30)).getValue();
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      store.chunks().deleteAll(ids);
      return store.database().freePages();
    }, done));
    assertThat((Long) done.receiveMessage(Duration.ofSeconds(30)).getValue()).isGreaterThan(2L * DbGateway.VACUUM_STEP_PAGES);
  }

  @Test
  void aWriteReceivedDuringAVacuumIsCommittedBetweenItsStepsNotAfterIt(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    leaveFreePages(gateway);
    TestProbe<StatusReply<Boolean>> answers = testKit.createTestProbe(); // the write's and the vacuum's, in order
    ChunkId written = ChunkId.random();
    CountDownLatch release = hold(gateway);
    gateway.tell(new GatewayCommand.Vacuum<>(0, answers.ref()));
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      store.chunks().put(written, 1, new byte[] {7}, 0);
      return false;
    }, answers));
    release.countDown();

    assertThat(answers.receiveMessage(Duration.ofSeconds(30)).getValue()).as("the write, committed first").isFalse();
    assertThat(answers.receiveMessage(Duration.ofSeconds(30)).getValue()).as("then the vacuum").isTrue();
    TestProbe<StatusReply<Object>> after = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.READ, store -> store.database().freePages(), after));
    assertThat(after.receiveMessage().getValue()).isEqualTo(0L);
    gateway.tell(execute(StoreOperation.Mode.READ, store -> store.chunks().get(written).isPresent(), after));
    assertThat(after.receiveMessage().getValue()).isEqualTo(true);
  }

  @Test
  void aVacuumAskedForDuringAnotherIsAnsweredWithItAndACloseCutsItShort(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    leaveFreePages(gateway);
    TestProbe<StatusReply<Boolean>> first = testKit.createTestProbe();
    TestProbe<StatusReply<Boolean>> second = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> closed = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);
    gateway.tell(new GatewayCommand.Vacuum<>(0, first.ref()));
    gateway.tell(new GatewayCommand.Vacuum<>(0, second.ref()));
    gateway.tell(new GatewayCommand.Close<>(closed.ref())); // before the first step: the vacuum has started, not finished
    release.countDown();

    assertThat(closed.receiveMessage().isSuccess()).isTrue();
    for (TestProbe<StatusReply<Boolean>> waiter : List.of(first, second)) {
      StatusReply<Boolean> reply = waiter.receiveMessage();
      assertThat(reply.isError()).isTrue();
      assertThat(reply.getError()).isInstanceOf(StorageClosedException.class).hasMessageContaining("before its vacuum finished");
    }
  }

  @Test
  @DisplayName("INV-6: a vacuum step that fails answers the vacuum and every later request with StorageFailedException; the owner is told")
  void aFailingVacuumStepFailsTheDatabase(@TempDir Path dir) throws Exception {
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> gateway = openedGateway(dir, events);
    leaveFreePages(gateway);
    TestProbe<StatusReply<Boolean>> vacuum = testKit.createTestProbe();
    // Another program takes the write lock: the step's write transaction gets SQLITE_BUSY.
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(DatabaseKind.DATA.fileName()));
        Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      gateway.tell(new GatewayCommand.Vacuum<>(0, vacuum.ref()));

      StatusReply<Boolean> reply = vacuum.receiveMessage(Duration.ofSeconds(30));
      assertThat(reply.isError()).isTrue();
      assertThat(reply.getError()).isInstanceOf(StorageFailedException.class);
      assertThat(events.receiveMessage()).isInstanceOf(GatewayEvent.Failed.class);
      s.execute("ROLLBACK");
    }
    TestProbe<StatusReply<ChunkId>> later = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), later));
    assertThat(later.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
  }

  @Test
  void vacuumCommitsTheOpenBatchFirst(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<StatusReply<ChunkId>> writers = testKit.createTestProbe();
    TestProbe<StatusReply<Boolean>> vacuum = testKit.createTestProbe();
    CountDownLatch release = hold(gateway);
    gateway.tell(execute(StoreOperation.Mode.WRITE, putChunk(ChunkId.random(), 1), writers));
    gateway.tell(new GatewayCommand.Vacuum<>(0, vacuum.ref()));
    release.countDown();

    assertThat(writers.receiveMessage().isSuccess()).isTrue();
    assertThat(vacuum.receiveMessage().getValue()).isTrue();
  }

  @Test
  void anOpenFailureIsReportedAndEveryRequestAnsweredWithIt(@TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("data_v1.sqlite"), "not a database".repeat(100));
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofSeconds(10), events.ref());

    assertThat(events.expectMessageClass(GatewayEvent.Failed.class).cause())
        .isInstanceOf(StorageFailedException.class).hasMessageContaining("not a SQLite database");
    TestProbe<StatusReply<Long>> reader = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.READ, store -> store.chunks().count(), reader));
    assertThat(reader.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Deferred bookkeeping

  private static GatewayCommand.Run<DataStore, Object> deferred(List<String> log, String name) {
    StoreOperation<DataStore, Object> bookkeeping = new StoreOperation<>(StoreOperation.Mode.DEFERRED,
        "test bookkeeping", store -> {
          log.add(name + (store.database().inTransaction() ? " in a transaction" : " outside"));
          return null;
        });
    return new GatewayCommand.Run<>(bookkeeping, null);
  }

  @Test
  void deferredBookkeepingRunsFirstInTheNextBatchAndCostsNoCommit(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofMillis(2), testKit.<GatewayEvent>createTestProbe().ref());
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    TestProbe<StatusReply<Object>> writer = testKit.createTestProbe();

    gateway.tell(deferred(log, "touch 1"));
    gateway.tell(deferred(log, "touch 2"));
    assertThat(stats(gateway).commits()).isZero();
    assertThat(log).isEmpty();
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      log.add("write");
      return 1;
    }, writer));
    writer.receiveMessage();

    assertThat(log).containsExactly("touch 1 in a transaction", "touch 2 in a transaction", "write");
    assertThat(stats(gateway).commits()).isEqualTo(1);
    gateway.tell(deferred(log, "touch 3"));
    gateway.tell(new GatewayCommand.Close<>(testKit.<StatusReply<Done>>createTestProbe().ref()));
    testKit.createTestProbe().expectTerminated(gateway);
    assertThat(log).as("close commits what was deferred").endsWith("touch 3 in a transaction");
  }

  @Test
  void deferredBookkeepingCommitsOnItsOwnWhenNoWriteComes(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofMillis(2), testKit.<GatewayEvent>createTestProbe().ref());
    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

    gateway.tell(deferred(log, "touch"));

    testKit.createTestProbe().awaitAssert(DbGateway.DEFERRED_AT_MOST.multipliedBy(5), () -> {
      assertThat(stats(gateway).commits()).isEqualTo(1);
      return null;
    });
    assertThat(log).containsExactly("touch in a transaction");
  }

  @Test
  void aWritesWriterIsAnsweredOnItsCommitAfterItsReplyTo(@TempDir Path dir) {
    ActorRef<GatewayCommand<DataStore>> gateway = gateway(dir, 1000, Duration.ofMillis(2), testKit.<GatewayEvent>createTestProbe().ref());
    TestProbe<Object> both = testKit.createTestProbe();
    ActorRef<StatusReply<ChunkId>> replyTo = both.ref().unsafeUpcast();
    ActorRef<StatusReply<Done>> writer = testKit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.<StatusReply<Done>>receiveMessage(
        reply -> {
          both.ref().tell("writer " + (reply.isSuccess() ? "done" : "failed"));
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        }));
    CountDownLatch release = hold(gateway);
    gateway.tell(new GatewayCommand.Run<>(
        new StoreOperation<>(StoreOperation.Mode.WRITE, "test", putChunk(ChunkId.random(), 1)), replyTo, writer));
    both.expectNoMessage(Duration.ofMillis(50)); // not before the commit
    release.countDown();

    assertThat(both.receiveMessage()).isInstanceOf(StatusReply.class);
    assertThat(both.receiveMessage()).isEqualTo("writer done");
  }

  @Test
  @DisplayName("INV-6: a reader that fails records the failure first, answers everything with it and tells its owner")
  void aFailingReaderFailsClosed(@TempDir Path dir) {
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> writer = gateway(dir, 1000, Duration.ofMillis(2), events.ref());
    events.expectMessageClass(GatewayEvent.Opened.class);
    WorkspaceHealth health = new WorkspaceHealth();
    ActorRef<GatewayCommand<DataStore>> reader = testKit.spawn(
        DbReader.create("test data reader", () -> DataStore.openReader(dir), Duration.ofMillis(50), events.ref(), health),
        DispatcherSelector.fromConfig("stowage.gateway-dispatcher"));
    events.expectMessageClass(GatewayEvent.Opened.class);
    TestProbe<StatusReply<Object>> probe = testKit.createTestProbe();

    reader.tell(execute(StoreOperation.Mode.READ, store -> {
      throw new IllegalStateException("a bug between two statements");
    }, probe));

    assertThat(probe.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(events.expectMessageClass(GatewayEvent.Failed.class).cause()).isInstanceOf(StorageFailedException.class);
    assertThat(health.failed()).isTrue();
    reader.tell(execute(StoreOperation.Mode.READ, store -> store.chunks().count(), probe));
    assertThat(probe.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    writer.tell(new GatewayCommand.Close<>(testKit.<StatusReply<Done>>createTestProbe().ref()));
  }

  /** A write whose outcome (a tree transaction's) is told to {@code outcomes}, and its writer to {@code writers}. */
  private static GatewayCommand.Run<DataStore, ChunkId> withOutcome(StoreOperation.Body<DataStore, ChunkId> body,
      TestProbe<String> heard, TestProbe<StatusReply<Done>> writers) {
    return new GatewayCommand.Run<>(new StoreOperation<>(StoreOperation.Mode.WRITE, "test", body), null, writers.ref(),
        error -> heard.ref().tell(error == null ? "committed" : "failed: " + error.getClass().getSimpleName()));
  }

  @Test
  @DisplayName("SPEC 6b: a write's outcome runs once its batch committed, before its writer hears; a failed batch runs it with the failure")
  void aWritesOutcomeRunsAfterItsCommit(@TempDir Path dir) {
    TestProbe<GatewayEvent> events = testKit.createTestProbe();
    ActorRef<GatewayCommand<DataStore>> gateway = openedGateway(dir, events);
    TestProbe<String> heard = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> writers = testKit.createTestProbe();
    ChunkId id = ChunkId.random();
    gateway.tell(withOutcome(putChunk(id, 1), heard, writers));
    assertThat(heard.receiveMessage()).isEqualTo("committed");
    assertThat(writers.receiveMessage().isSuccess()).isTrue();
    TestProbe<StatusReply<Long>> counter = testKit.createTestProbe();
    gateway.tell(execute(StoreOperation.Mode.READ, store -> store.chunks().count(), counter));
    assertThat(counter.receiveMessage().getValue()).as("committed before the outcome ran").isEqualTo(1L);

    CountDownLatch release = hold(gateway);
    gateway.tell(withOutcome(putChunk(ChunkId.random(), 1), heard, writers));
    gateway.tell(execute(StoreOperation.Mode.WRITE, store -> {
      throw new IllegalStateException("a bug between two statements");
    }, testKit.createTestProbe()));
    release.countDown();
    assertThat(heard.receiveMessage()).isEqualTo("failed: StorageFailedException");
    assertThat(writers.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    gateway.tell(withOutcome(putChunk(ChunkId.random(), 1), heard, writers));
    assertThat(heard.receiveMessage()).as("refused by a failed gateway").isEqualTo("failed: StorageFailedException");
    assertThat(writers.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
  }
}
