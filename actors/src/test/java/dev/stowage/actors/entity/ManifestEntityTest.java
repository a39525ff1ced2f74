package dev.stowage.actors.entity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entity against a gateway the test controls: every request it sends is taken by a probe and
 * executed (or not, or failed) by the test on a real store, so races are forced, not hoped for.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManifestEntityTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path dir;
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());
  private DataStore store;
  private TestProbe<GatewayCommand<DataStore>> gateway;
  private TestProbe<EntityHost.Event> supervisor;
  private final EntryId id = EntryId.random();
  private EntityWorkspace workspace;

  @BeforeEach
  void setUp() {
    store = DataStore.open(dir.resolve(EntryId.random().toString()), Durability.NORMAL, cipher);
    gateway = testKit.createTestProbe();
    supervisor = testKit.createTestProbe();
    workspace = new EntityWorkspace(PublishedManifests.create(), new WorkspaceHealth(), dev.stowage.actors.feed.ChangePublisher.NONE);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private ActorRef<Object> entity(Duration passivateAfter) {
    return testKit.spawn(ManifestEntity.create(id, new GatewayManifestBackend(gateway.ref()), cipher,
        EntityHost.supervisor(supervisor.ref()), passivateAfter, workspace));
  }

  private ActorRef<Object> entity() {
    return entity(Duration.ofMinutes(10));
  }

  private final EntryId parent = EntryId.random();

  /** The same arguments give an equal manifest. */
  private FolderManifest folder(long baseVersion, String child) {
    EntryId childId = new EntryId(java.util.UUID.nameUUIDFromBytes(child.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return new FolderManifest(id, parent, baseVersion, true, Instant.EPOCH, Map.of(child, childId));
  }

  @SuppressWarnings("unchecked")
  private GatewayCommand.Run<DataStore, ManifestBackend.Reply> nextRequest() {
    return gateway.expectMessageClass(GatewayCommand.Run.class);
  }

  /** Executes a request on the real store, as the gateway would, and answers it. */
  private void complete(GatewayCommand.Run<DataStore, ManifestBackend.Reply> request) {
    boolean write = request.operation().mode() != StoreOperation.Mode.READ;
    if (write) {
      store.database().begin();
    }
    ManifestBackend.Reply result = request.operation().body().apply(store);
    if (write) {
      store.database().commit();
    }
    request.replyTo().tell(StatusReply.success(result));
    if (request.writer() != null) {
      request.writer().tell(StatusReply.ack()); // a durable writer, answered by the gateway on its commit
    }
  }

  private void storeRow(LocalManifest manifest) {
    store.database().begin();
    store.vlobs().put(id, manifest.baseVersion(), manifest.needSync(), cipher.seal(id, ManifestCodec.encode(manifest)));
    store.database().commit();
  }

  private void storeChunks(ChunkId... ids) {
    store.database().begin();
    for (ChunkId chunk : ids) {
      store.chunks().put(chunk, 1, new byte[1], 0);
    }
    store.database().commit();
  }

  private LocalManifest storedManifest() {
    return ManifestCodec.decode(cipher.open(id, store.vlobs().get(id).orElseThrow()));
  }

  @Test
  @DisplayName("INV-3: a write during a flush keeps the entry dirty, even of an equal manifest with new removed ids")
  void flushDoesNotMarkCleanWhenWrittenDuringFlush() {
    ChunkId first = ChunkId.random();
    ChunkId second = ChunkId.random();
    storeChunks(first, second);
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    FolderManifest value = folder(1, "a");

    entity.tell(new SetManifest(id, value, true, Set.of(first), client.ref()));
    client.expectMessage(StatusReply.ack());
    supervisor.expectMessage(new EntityHost.Dirty(id, true, false));
    entity.tell(new EnsureManifestPersistent(id, client.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> firstFlush = nextRequest(); // held: the flush is in flight
    // Sent to the gateway, which runs every later query after it: settled for the supervisor.
    supervisor.expectMessage(new EntityHost.Clean(id));

    entity.tell(new SetManifest(id, value, true, Set.of(second), client.ref())); // equal value, new removed id
    client.expectMessage(StatusReply.ack());
    supervisor.expectMessage(new EntityHost.Dirty(id, true, false)); // dirty again, before the flush ends
    complete(firstFlush);

    client.expectMessage(StatusReply.ack()); // the ensure that asked for the first version
    assertThat(storedManifest()).isEqualTo(value);
    assertThat(store.chunks().presentAmong(Set.of(first, second))).containsExactly(second); // INV-2: still readable
    supervisor.expectNoMessage(Duration.ofMillis(50)); // still dirty: the end of the first flush marks nothing clean
    gateway.expectNoMessage(Duration.ofMillis(100)); // cache-only: no flush until asked

    entity.tell(new EnsureManifestPersistent(id, client.ref()));
    complete(nextRequest());
    client.expectMessage(StatusReply.ack());
    supervisor.expectMessage(new EntityHost.Clean(id));
    assertThat(store.chunks().presentAmong(Set.of(first, second))).isEmpty();
    assertThat(storedManifest()).isEqualTo(value);
  }

  @Test
  @DisplayName("INV-3: with a durable write queued behind a flush, the final row is the last write")
  void theLastWriteWinsWhenFlushesOverlap() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> first = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> second = testKit.createTestProbe();

    entity.tell(new SetManifest(id, folder(1, "first"), false, Set.of(), first.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flushOne = nextRequest();
    entity.tell(new SetManifest(id, folder(2, "second"), false, Set.of(), second.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flushTwo = nextRequest();
    complete(flushOne);
    first.expectMessage(StatusReply.ack());
    second.expectNoMessage(Duration.ofMillis(50)); // its version is not persisted yet
    complete(flushTwo);

    second.expectMessage(StatusReply.ack());
    assertThat(storedManifest()).isEqualTo(folder(2, "second"));
  }

  @Test
  @DisplayName("INV-4: a slow load never overwrites a value written while it was in flight")
  void aLoadNeverOverwritesANewerWrite() {
    FolderManifest old = folder(1, "old");
    FolderManifest newer = folder(2, "newer");
    storeRow(old);
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();

    entity.tell(new GetManifest(id, reader.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> load = nextRequest(); // held: the load is slow
    entity.tell(new SetManifest(id, newer, true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack()); // a blind write does not wait for the load
    complete(load); // the database still has the old row

    assertThat(reader.receiveMessage().getValue()).isEqualTo(newer);
    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getValue()).isEqualTo(newer);
    gateway.expectNoMessage(Duration.ofMillis(50)); // no second load
  }

  @Test
  void readsWaitForTheLoadAndThenComeFromTheCache() {
    FolderManifest stored = folder(3, "x");
    storeRow(stored);
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();

    entity.tell(new GetManifest(id, reader.ref()));
    entity.tell(new GetManifest(id, reader.ref()));
    complete(nextRequest());

    assertThat(reader.receiveMessage().getValue()).isEqualTo(stored);
    assertThat(reader.receiveMessage().getValue()).isEqualTo(stored);
    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getValue()).isEqualTo(stored);
    gateway.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  @DisplayName("INV-14: a manifest in neither cache nor database is missing, for get and clear")
  void anUnknownManifestIsMissing() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> clearer = testKit.createTestProbe();

    entity.tell(new GetManifest(id, reader.ref()));
    entity.tell(new ClearManifest(id, clearer.ref()));
    complete(nextRequest());

    assertThat(reader.receiveMessage().getError()).isInstanceOf(EntryMissingException.class);
    assertThat(clearer.receiveMessage().getError()).isInstanceOf(EntryMissingException.class);
  }

  @Test
  @DisplayName("INV-14: clearing a cached entry deletes it and its pending removed chunks in one write")
  void clearDeletesTheEntryAndItsPendingRemovedChunks() {
    ChunkId removed = ChunkId.random();
    storeChunks(removed);
    storeRow(folder(1, "stored"));
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(2, "cached"), true, Set.of(removed), client.ref()));
    client.expectMessage(StatusReply.ack());

    entity.tell(new ClearManifest(id, client.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> delete = nextRequest();
    assertThat(delete.operation().mode()).isEqualTo(StoreOperation.Mode.WRITE);
    complete(delete);

    client.expectMessage(StatusReply.ack());
    assertThat(store.vlobs().get(id)).isEmpty();
    assertThat(store.chunks().presentAmong(Set.of(removed))).isEmpty();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getError()).isInstanceOf(EntryMissingException.class);
  }

  @Test
  @DisplayName("INV-9: a row that does not decrypt is a CorruptEntryException for that entry, and can be cleared")
  void aCorruptRowIsReportedAndCanBeCleared() {
    store.database().begin();
    store.vlobs().put(id, 0, false, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30});
    store.database().commit();
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> clearer = testKit.createTestProbe();

    entity.tell(new GetManifest(id, reader.ref()));
    complete(nextRequest());
    assertThat(reader.receiveMessage().getError()).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining(id.toString());

    entity.tell(new ClearManifest(id, clearer.ref()));
    complete(nextRequest());
    clearer.expectMessage(StatusReply.ack());
    assertThat(store.vlobs().get(id)).isEmpty();
  }

  @Test
  @DisplayName("INV-18: an idle entity asks to be passivated")
  void anIdleEntityAsksToBePassivated() {
    entity(Duration.ofMillis(50));

    supervisor.expectMessage(Duration.ofSeconds(5), new EntityHost.Idle(id));
  }

  @Test
  @DisplayName("INV-18: FLUSH_AND_STOP writes a dirty value, waits for its commit, then stops")
  void stoppingFlushesFirst() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    TestProbe<Object> watcher = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "dirty"), true, Set.of(), client.ref()));
    client.expectMessage(StatusReply.ack());

    entity.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flush = nextRequest();
    watcher.expectNoMessage(Duration.ofMillis(50));
    complete(flush);

    watcher.expectTerminated(entity);
    assertThat(storedManifest()).isEqualTo(folder(1, "dirty"));
  }

  @Test
  @DisplayName("INV-11: DISCARD_AND_STOP drops a dirty value and its removed ids without writing")
  void discardingStopsWithoutWriting() {
    ChunkId removed = ChunkId.random();
    storeChunks(removed);
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    TestProbe<Object> watcher = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "dropped"), true, Set.of(removed), client.ref()));
    client.expectMessage(StatusReply.ack());

    entity.tell(EntityCommand.Lifecycle.DISCARD_AND_STOP);

    watcher.expectTerminated(entity);
    gateway.expectNoMessage(Duration.ofMillis(50));
    assertThat(store.vlobs().get(id)).isEmpty();
    assertThat(store.chunks().presentAmong(Set.of(removed))).containsExactly(removed);
  }

  @Test
  @DisplayName("INV-6: after a failed flush the writer gets StorageFailedException and nothing is written again")
  void aFailedFlushFailsItsWritersAndEverythingAfter() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "lost"), false, Set.of(), writer.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flush = nextRequest();

    // What the gateway does with a failed batch: its entity and its durable writer hear of it.
    StorageFailedException diskFull = new StorageFailedException("disk full");
    flush.replyTo().tell(StatusReply.error(diskFull));
    assertThat(flush.writer()).isEqualTo(writer.ref());
    flush.writer().tell(StatusReply.error(diskFull));

    assertThat(writer.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    entity.tell(new SetManifest(id, folder(2, "later"), true, Set.of(), writer.ref()));
    entity.tell(new GetManifest(id, reader.ref()));
    entity.tell(EntityCommand.Lifecycle.FLUSH);
    assertThat(writer.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(reader.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    gateway.expectNoMessage(Duration.ofMillis(50));
  }

  /** A host of cluster mode's kind: told of starts and stops (to {@link #supervisor}), stopping nothing itself. */
  private EntityHost countingHost() {
    return new EntityHost() {
      @Override
      public void report(EntityHost.Event event) {
        supervisor.ref().tell(event);
      }

      @Override
      public void passivate(ActorRef<Object> entity, EntryId id) {}

      @Override
      public void backendFailed(ActorRef<Object> entity, EntryId id) {}

      @Override
      public void started(ActorRef<Object> entity, EntryId id) {
        supervisor.ref().tell(new EntityHost.Started(id, entity));
      }

      @Override
      public void stopped(ActorRef<Object> entity, EntryId id) {
        supervisor.ref().tell(new EntityHost.Stopped(id, entity));
      }
    };
  }

  private void expectStopped(ActorRef<Object> entity) {
    supervisor.fishForMessage(Duration.ofSeconds(5), event -> event.equals(new EntityHost.Stopped(id, entity))
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  @Test
  @DisplayName("A failed entity tells its host when it stops, as it told it when it started")
  void aFailedEntityTellsItsHostItStopped() {
    ActorRef<Object> entity = testKit.spawn(ManifestEntity.create(id, new GatewayManifestBackend(gateway.ref()), cipher,
        countingHost(), Duration.ofMinutes(10), workspace));
    supervisor.expectMessage(new EntityHost.Started(id, entity));
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "lost"), false, Set.of(), writer.ref()));
    nextRequest().replyTo().tell(StatusReply.error(new StorageFailedException("disk full")));
    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getError()).as("failed").isInstanceOf(StorageFailedException.class);

    entity.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP); // failed: it stops at once, writing nothing
    expectStopped(entity);
    gateway.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  @DisplayName("An entity whose flush fails while it stops stops all the same: its host told it to stop once")
  void aStoppingEntityWhoseFlushFailsStops() {
    ActorRef<Object> entity = testKit.spawn(ManifestEntity.create(id, new GatewayManifestBackend(gateway.ref()), cipher,
        countingHost(), Duration.ofMinutes(10), workspace));
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "dirty"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());
    entity.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    nextRequest().replyTo().tell(StatusReply.error(new StorageFailedException("disk full")));

    testKit.createTestProbe().expectTerminated(entity, Duration.ofSeconds(5));
    expectStopped(entity);
  }

  @Test
  @DisplayName("INV-6: Fail answers pending writers and stashed reads, then stops without writing")
  void failAnswersEverythingPendingAndStops() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    TestProbe<Object> watcher = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));
    nextRequest(); // the load never completes
    entity.tell(new SetManifest(id, folder(1, "pending"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());

    entity.tell(new EntityCommand.Fail(new StorageFailedException("the workspace failed")));

    // The read is stashed until the load completes, which it never does: Fail must answer it.
    assertThat(reader.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    watcher.expectTerminated(entity);
    gateway.expectNoMessage(Duration.ofMillis(50));
  }

  // ---------------------------------------------------------------------------------------------
  // The published values (hot reads without a message)

  @Test
  @DisplayName("INV-17: a write is published before it is answered, durable or cache-only")
  void aWriteIsPublishedBeforeItIsAnswered() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();

    entity.tell(new SetManifest(id, folder(1, "cached"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());
    assertThat(workspace.published().read(id)).isEqualTo(folder(1, "cached"));

    entity.tell(new SetManifest(id, folder(2, "durable"), false, Set.of(), writer.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flush = nextRequest(); // accepted, not yet committed
    assertThat(workspace.published().read(id)).isEqualTo(folder(2, "durable"));
    complete(flush);
    writer.expectMessage(StatusReply.ack());
  }

  @Test
  @DisplayName("INV-4: a load that lost its race to a write publishes nothing; one that won publishes the row")
  void onlyALoadThatWonItsRaceIsPublished() {
    storeRow(folder(1, "old"));
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();

    entity.tell(new GetManifest(id, reader.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> load = nextRequest();
    assertThat(workspace.published().read(id)).as("nothing accepted while loading").isNull();
    entity.tell(new SetManifest(id, folder(2, "newer"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());
    complete(load);

    assertThat(reader.receiveMessage().getValue()).isEqualTo(folder(2, "newer"));
    assertThat(workspace.published().read(id)).isEqualTo(folder(2, "newer"));

    EntryId other = EntryId.random();
    FolderManifest stored = new FolderManifest(other, parent, 7, false, Instant.EPOCH, Map.of());
    store.database().begin();
    store.vlobs().put(other, 7, false, cipher.seal(other, ManifestCodec.encode(stored)));
    store.database().commit();
    ActorRef<Object> second = testKit.spawn(
        ManifestEntity.create(other, new GatewayManifestBackend(gateway.ref()), cipher,
            EntityHost.supervisor(supervisor.ref()), Duration.ofMinutes(10), workspace));
    second.tell(new GetManifest(other, reader.ref()));
    complete(nextRequest());
    assertThat(reader.receiveMessage().getValue()).isEqualTo(stored);
    assertThat(workspace.published().read(other)).isEqualTo(stored);
  }

  @Test
  @DisplayName("INV-14: a clear unpublishes before it is answered; a discard before the stop")
  void clearAndDiscardUnpublish() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "a"), true, Set.of(), client.ref()));
    client.expectMessage(StatusReply.ack());

    entity.tell(new ClearManifest(id, client.ref()));
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> delete = nextRequest(); // in flight
    assertThat(workspace.published().read(id)).isNull();
    complete(delete);
    client.expectMessage(StatusReply.ack());

    entity.tell(new SetManifest(id, folder(2, "dropped"), true, Set.of(), client.ref()));
    client.expectMessage(StatusReply.ack());
    assertThat(workspace.published().read(id)).isEqualTo(folder(2, "dropped"));
    TestProbe<Object> watcher = testKit.createTestProbe();
    entity.tell(EntityCommand.Lifecycle.DISCARD_AND_STOP);
    watcher.expectTerminated(entity);
    assertThat(workspace.published().read(id)).as("INV-11: a discarded value is never served").isNull();
    assertThat(workspace.published().size()).isZero();
  }

  @Test
  @DisplayName("INV-18: a stopping entity serves its value until it stops, and unpublishes before its host hears of the stop")
  void aStoppedEntityHasNothingPublished() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "a"), true, Set.of(), client.ref()));
    client.expectMessage(StatusReply.ack());
    TestProbe<Object> watcher = testKit.createTestProbe();

    entity.tell(EntityCommand.Lifecycle.FLUSH_AND_STOP);
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> flush = nextRequest();
    assertThat(workspace.published().read(id)).as("still the accepted value while its flush runs")
        .isEqualTo(folder(1, "a"));
    complete(flush);
    watcher.expectTerminated(entity); // Terminated is delivered after PostStop, which unpublished
    assertThat(workspace.published().read(id)).isNull();
  }

  @Test
  @DisplayName("INV-6: once the workspace failed, a cached value is not served, and nothing is accepted")
  void aFailedWorkspaceRefusesCachedReads() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "cached"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());

    workspace.failure().record(new StorageFailedException("the data database failed"));

    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    entity.tell(new SetManifest(id, folder(2, "later"), true, Set.of(), writer.ref()));
    assertThat(writer.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    gateway.expectNoMessage(Duration.ofMillis(50));
  }

  @Test
  void readsServedFromThePublishedValueKeepTheEntityFromPassivating() {
    ActorRef<Object> entity = entity(Duration.ofMillis(200));
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(1, "hot"), true, Set.of(), writer.ref()));
    writer.expectMessage(StatusReply.ack());
    supervisor.expectMessageClass(EntityHost.Dirty.class);

    long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
    while (System.nanoTime() < until) {
      assertThat(workspace.published().read(id)).isNotNull(); // reads that never reach the entity
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    supervisor.expectNoMessage(Duration.ofMillis(10)); // no Idle while read
    supervisor.expectMessage(Duration.ofSeconds(2), new EntityHost.Idle(id)); // idle once the reads stop
  }

  @Test
  @DisplayName("INV-5: a durable write, sent at once to the gateway that runs every later query after it, is never reported dirty")
  void aDurableWriteIsNotReportedDirty() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();

    entity.tell(new SetManifest(id, folder(1, "durable"), false, Set.of(), writer.ref()));
    complete(nextRequest());
    writer.expectMessage(StatusReply.ack());
    entity.tell(new ClearManifest(id, writer.ref()));
    complete(nextRequest());
    writer.expectMessage(StatusReply.ack());

    supervisor.expectNoMessage(Duration.ofMillis(100));
  }

  /**
   * A value the checks at the call would refuse (a lone surrogate, which UTF-8 cannot hold), sent to
   * the entity directly: what the entity does if the checks ever let one through.
   */
  private FolderManifest unencodable() {
    return new FolderManifest(id, parent, 1, true, Instant.EPOCH, Map.of("x\uD800y", EntryId.random()));
  }

  @Test
  @DisplayName("INV-6: an accepted cache-only value that does not encode fails the ensure and the workspace, never a timeout")
  void aCacheOnlyValueThatDoesNotEncodeFailsTheWorkspaceNotSilently() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> client = testKit.createTestProbe();
    entity.tell(new SetManifest(id, unencodable(), true, Set.of(), client.ref()));
    client.expectMessage(StatusReply.ack());
    supervisor.expectMessageClass(EntityHost.Dirty.class);

    entity.tell(new EnsureManifestPersistent(id, client.ref()));

    StatusReply<Done> ensured = client.receiveMessage();
    assertThat(ensured.isError()).isTrue();
    assertThat(ensured.getError()).isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("manifest " + id + " was accepted but cannot be stored");
    EntityHost.Unstorable told = supervisor.expectMessageClass(EntityHost.Unstorable.class);
    assertThat(told.cause()).isSameAs(workspace.failure().cause()); // recorded before anyone heard of it
    gateway.expectNoMessage(Duration.ofMillis(100)); // nothing was sent

    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));
    assertThat(reader.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
  }

  @Test
  @DisplayName("INV-6: a durable write whose value does not encode fails with StorageFailedException, never a timeout")
  void aDurableValueThatDoesNotEncodeFailsItsWriter() {
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();

    entity.tell(new SetManifest(id, unencodable(), false, Set.of(), writer.ref()));

    StatusReply<Done> answer = writer.receiveMessage();
    assertThat(answer.isError()).isTrue();
    assertThat(answer.getError()).isInstanceOf(StorageFailedException.class).hasMessageContaining("cannot be stored");
    supervisor.expectMessageClass(EntityHost.Unstorable.class);
    gateway.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  @DisplayName("INV-4: reads wait for a load in a bounded stash; one past it is refused as overloaded, the others answered")
  void readsPastTheStashAreRefusedNotLost() {
    ActorRef<Object> entity = testKit.spawn(ManifestEntity.create(id, new GatewayManifestBackend(gateway.ref()), cipher,
        EntityHost.supervisor(supervisor.ref()), Duration.ofMinutes(10), workspace, 2));
    storeRow(folder(4, "stored"));
    TestProbe<StatusReply<LocalManifest>> readers = testKit.createTestProbe();

    for (int i = 0; i < 3; i++) {
      entity.tell(new GetManifest(id, readers.ref()));
    }
    assertThat(readers.receiveMessage().getError()).isInstanceOf(dev.stowage.protocol.StorageOverloadedException.class)
        .hasMessageContaining("2 calls wait for manifest " + id);
    complete(nextRequest()); // the load

    assertThat(readers.receiveMessage().getValue()).isEqualTo(folder(4, "stored"));
    assertThat(readers.receiveMessage().getValue()).isEqualTo(folder(4, "stored"));
  }

  // ---------------------------------------------------------------------------------------------
  // A held entity that asks what is stored (its transaction ended without saying how)

  /** Holds the entity for {@code holder}, replacing {@code expected} with {@code updated}; the holder hears Held. */
  private void hold(ActorRef<Object> entity, TestProbe<HoldReply> holder, LocalManifest expected, LocalManifest updated) {
    entity.tell(new EntityCommand.Hold(ManifestChange.replace(expected, updated), holder.ref(), true, 1));
  }

  /** Completes what the entity asks the gateway within {@code within}, if anything. */
  private void completeAnyRequestWithin(Duration within) {
    try {
      complete(gateway.expectMessageClass(GatewayCommand.Run.class, within));
    } catch (AssertionError nothingCame) {
      // nothing asked: nothing to complete
    }
  }

  /** A first transaction holds {@code entity}, loaded from the row "one", to write "two". */
  private TestProbe<HoldReply> firstTransactionHolding(ActorRef<Object> entity) {
    storeRow(folder(1, "one"));
    TestProbe<HoldReply> first = testKit.createTestProbe();
    hold(entity, first, folder(1, "one"), folder(2, "two"));
    complete(nextRequest()); // the load
    first.expectMessageClass(HoldReply.Held.class);
    return first;
  }

  private LocalManifest read(ActorRef<Object> entity) {
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));
    return reader.receiveMessage().getValue();
  }

  @Test
  @DisplayName("SPEC 6b: a transaction whose end overtook its apply is decided by what is stored; that answer, late, does not release the next transaction's hold")
  void aLateSettleDoesNotDecideTheNextTransaction() {
    ActorRef<Object> entity = entity();
    TestProbe<HoldReply> first = firstTransactionHolding(entity);
    storeRow(folder(2, "two")); // the first transaction commits, and its coordinator stops...
    first.stop();
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> settle = nextRequest(); // ... seen first: what is stored?
    entity.tell(new EntityCommand.Apply(first.ref())); // then its apply, which came the other way (across nodes)
    TestProbe<HoldReply> second = testKit.createTestProbe();
    hold(entity, second, folder(2, "two"), folder(3, "three"));

    complete(settle); // the answer comes once the second may hold the entity
    second.expectMessageClass(HoldReply.Held.class);
    storeRow(folder(3, "three")); // the second commits
    entity.tell(new EntityCommand.Apply(second.ref()));

    assertThat(read(entity)).as("the second transaction's value, which it committed").isEqualTo(folder(3, "three"));
  }

  @Test
  @DisplayName("SPEC 6b: a transaction whose commit failed unknown asks what is stored once: its coordinator's end does not ask again, into the next transaction's hold")
  void aReleaseWithUnknownOutcomeSettlesOnce() {
    ActorRef<Object> entity = entity();
    TestProbe<HoldReply> first = firstTransactionHolding(entity);
    entity.tell(new EntityCommand.Release(first.ref(), true)); // its commit failed, perhaps after committing
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> settle = nextRequest();
    first.stop(); // the coordinator ends after it said so
    TestProbe<HoldReply> second = testKit.createTestProbe();
    hold(entity, second, folder(1, "one"), folder(3, "three"));

    complete(settle); // nothing was committed: the first lets go, the second holds
    second.expectMessageClass(HoldReply.Held.class);
    completeAnyRequestWithin(Duration.ofMillis(300)); // a second settle, if the coordinator's end sent one
    storeRow(folder(3, "three"));
    entity.tell(new EntityCommand.Apply(second.ref()));

    assertThat(read(entity)).as("the second transaction's value, which it committed").isEqualTo(folder(3, "three"));
  }

  // A transaction of one change (EntityCommand.Update): the entity makes it without a coordinator

  @Test
  @DisplayName("SPEC 6b: a one-change transaction is answered once committed, with its removed chunks; reads and writes sent meanwhile wait and see it")
  void aOneChangeTransactionCommitsBeforeAnyReadSeesIt() {
    storeRow(folder(1, "one"));
    ChunkId removed = ChunkId.random();
    ChunkId kept = ChunkId.random();
    storeChunks(removed, kept);
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> caller = testKit.createTestProbe();
    entity.tell(new EntityCommand.Update(new ManifestChange(id, Optional.of(folder(1, "one")), folder(2, "two"),
        Set.of(removed)), caller.ref()));
    complete(nextRequest()); // the load
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> commit = nextRequest();
    assertThat(workspace.published().read(id)).as("withdrawn until committed").isNull();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));
    TestProbe<StatusReply<Done>> writer = testKit.createTestProbe();
    entity.tell(new SetManifest(id, folder(3, "three"), true, Set.of(), writer.ref()));
    reader.expectNoMessage(Duration.ofMillis(100));
    writer.expectNoMessage(Duration.ZERO);

    complete(commit);
    assertThat(caller.receiveMessage().isSuccess()).isTrue();
    assertThat(storedManifest()).isEqualTo(folder(2, "two"));
    assertThat(store.chunks().presentAmong(Set.of(removed, kept))).as("its removed chunk, deleted in its write")
        .containsExactly(kept);
    assertThat(reader.receiveMessage().getValue()).as("the read waited for the commit").isEqualTo(folder(2, "two"));
    assertThat(writer.receiveMessage().isSuccess()).as("the write waited, and came after it").isTrue();
    assertThat(read(entity)).isEqualTo(folder(3, "three"));
  }

  @Test
  @DisplayName("SPEC 6b: a one-change transaction that expects another value fails with ConflictException and changes nothing; expecting none of a present entry too")
  void aOneChangeTransactionThatExpectsAnotherValueConflicts() {
    storeRow(folder(1, "one"));
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> caller = testKit.createTestProbe();
    entity.tell(new EntityCommand.Update(ManifestChange.replace(folder(1, "other"), folder(2, "two")), caller.ref()));
    complete(nextRequest()); // the load
    assertThat(caller.receiveMessage().getError()).isInstanceOf(ConflictException.class)
        .hasMessageContaining(id.toString());
    entity.tell(new EntityCommand.Update(ManifestChange.create(folder(2, "two")), caller.ref()));
    assertThat(caller.receiveMessage().getError()).isInstanceOf(ConflictException.class);
    gateway.expectNoMessage(Duration.ofMillis(50));
    assertThat(read(entity)).isEqualTo(folder(1, "one"));
    assertThat(storedManifest()).isEqualTo(folder(1, "one"));
  }

  @Test
  @DisplayName("INV-6: a one-change transaction whose commit fails answers StorageFailedException, and the reads that waited never see its value")
  void aOneChangeTransactionWhoseCommitFailsIsNeverSeen() {
    storeRow(folder(1, "one"));
    ActorRef<Object> entity = entity();
    TestProbe<StatusReply<Done>> caller = testKit.createTestProbe();
    entity.tell(new EntityCommand.Update(ManifestChange.replace(folder(1, "one"), folder(2, "two")), caller.ref()));
    complete(nextRequest()); // the load
    GatewayCommand.Run<DataStore, ManifestBackend.Reply> commit = nextRequest();
    TestProbe<StatusReply<LocalManifest>> reader = testKit.createTestProbe();
    entity.tell(new GetManifest(id, reader.ref()));

    StorageFailedException diskFull = new StorageFailedException("disk full");
    commit.replyTo().tell(StatusReply.error(diskFull));
    commit.writer().tell(StatusReply.error(diskFull));
    assertThat(caller.receiveMessage().getError()).isInstanceOf(StorageFailedException.class);
    assertThat(reader.receiveMessage().getError()).as("not the value that was not stored")
        .isInstanceOf(StorageFailedException.class);
    assertThat(storedManifest()).isEqualTo(folder(1, "one"));
  }
}
