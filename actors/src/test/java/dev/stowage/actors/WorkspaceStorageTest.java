package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.protocol.WorkspaceInUseException;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The façade end to end in local mode: the contract of SPEC section 6 ({@link
 * WorkspaceStorageContract}, shared with cluster mode) plus what only local mode has.
 */
@DisplayName("WorkspaceStorage in local mode")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceStorageTest extends LocalModeContract {
  // ---- Manifests ---------------------------------------------------------------------------------

  // ---- ChunksAndBlocks ---------------------------------------------------------------------------

  // ---- Workspace ---------------------------------------------------------------------------------

  @Test
  void vacuumAndStats() {
    WorkspaceStorage storage = open("stowage.vacuum-threshold = 0");
    for (int i = 0; i < 20; i++) {
      storage.setChunk(ChunkId.random(), new byte[4096]);
    }
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, false, 0), true, Set.of()));

    result(storage.runVacuum());

    StorageStats stats = result(storage.stats());
    assertThat(stats.workspaceId()).isEqualTo(storage.workspaceId());
    assertThat(stats.data().writes()).isGreaterThanOrEqualTo(20);
    assertThat(stats.data().commits()).isBetween(1L, stats.data().writes());
    assertThat(stats.data().fileBytes()).isPositive();
    assertThat(stats.data().nanosInSqlite()).isPositive();
    assertThat(stats.liveEntities()).isEqualTo(1);
    assertThat(stats.dirtyEntries()).isEqualTo(1);
  }

  @Test
  @DisplayName("INV-19: issue 25's lost write: a lone surrogate is refused at the call; awkward names survive close and reopen")
  void awkwardNamesSurviveReopenAndUnstorableOnesAreNeverAcknowledged() {
    StorageSettings settings = settings("");
    LocalKey key = LocalKey.generate();
    String name = workspaceName();
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), name, key, settings));
    EntryId lost = EntryId.random();
    FolderManifest loneSurrogate = new FolderManifest(lost, lost, 0, true, Instant.EPOCH, Map.of("x\uD800y", lost));
    EntryId kept = EntryId.random();
    Map<String, EntryId> children = new HashMap<>();
    AWKWARD_NAMES.forEach(child -> children.put(child, EntryId.random()));
    FolderManifest awkward = new FolderManifest(kept, kept, 0, true, Instant.EPOCH, children);

    assertThat(failure(storage.setManifest(lost, loneSurrogate, true, Set.of()))).isInstanceOf(InvalidRequestException.class);
    assertThat(failure(storage.setManifest(lost, loneSurrogate))).isInstanceOf(InvalidRequestException.class);
    result(storage.setManifest(kept, awkward, true, Set.of())); // cache-only: flushed by close
    result(storage.close());

    WorkspaceStorage reopened = result(Stowage.open(testKit.system(), name, key, settings));
    assertThat(result(reopened.getManifest(kept))).isEqualTo(awkward);
    assertThat(failure(reopened.getManifest(lost))).isInstanceOf(EntryMissingException.class);
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-6: a value an entity cannot store fails the whole workspace, close included, never a silent drop")
  void anUnstorableValueFailsTheWorkspace() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, true, 1), true, Set.of()));

    // what an entity reports when a value it accepted does not encode (ManifestEntityTest shows when)
    storage.supervisor().<Object>unsafeUpcast().tell(
        new EntityHost.Unstorable(id, new StorageFailedException("manifest " + id + " cannot be stored")));

    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(failure(storage.getManifest(id))).isInstanceOf(StorageFailedException.class);
      return null;
    });
    assertThat(failure(storage.close())).isInstanceOf(StorageFailedException.class).hasMessageContaining("cannot be stored");
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------

  @Test
  @DisplayName("INV-18: entity.max-active bounds live entities; passivated dirty values are not lost")
  void maxActiveBoundsLiveEntities() {
    WorkspaceStorage storage = open("stowage.entity.max-active = 5");
    Map<EntryId, LocalManifest> written = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      EntryId id = EntryId.random();
      written.put(id, folder(id, true, i));
      result(storage.setManifest(id, written.get(id), true, Set.of()));
      assertThat(result(storage.stats()).liveEntities()).isLessThanOrEqualTo(5);
    }

    written.forEach((id, manifest) -> assertThat(result(storage.getManifest(id))).isEqualTo(manifest));
    assertThat(storedCount(storage)).isGreaterThanOrEqualTo(55);
  }

  @Test
  @DisplayName("INV-18: an idle entity is passivated after flushing")
  void idleEntitiesArePassivated() {
    WorkspaceStorage storage = open("stowage.entity.passivate-after = 100ms");
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, true, 3), true, Set.of()));

    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(result(storage.stats()).liveEntities()).isZero();
      return null;
    });
    assertThat(isStored(storage, id)).isTrue();
    assertThat(result(storage.getManifest(id))).isEqualTo(folder(id, true, 3));
  }

  @Test
  @DisplayName("INV-18: commands sent while an entity stops are buffered and delivered to its successor")
  void commandsForAStoppingEntityReachItsSuccessor() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, true, 1), true, Set.of()));

    storage.supervisor().<Object>unsafeUpcast().tell(new EntityHost.Idle(id)); // the entity now stops, flushing first
    CompletionStage<Done> write = storage.setManifest(id, folder(id, true, 2), true, Set.of());
    CompletionStage<LocalManifest> read = storage.getManifest(id);
    CompletionStage<Done> ensure = storage.ensureManifestPersistent(id);

    result(write);
    assertThat(result(read)).isEqualTo(folder(id, true, 2));
    result(ensure);
    assertThat(storedVersions(storage, id).baseVersion()).isEqualTo(2);
  }

  @Test
  void maxDirtyFlushesTheOldestEntries() {
    WorkspaceStorage storage = open("stowage.cache.max-dirty = 3");
    List<EntryId> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      EntryId id = EntryId.random();
      ids.add(id);
      result(storage.setManifest(id, folder(id, true, i), true, Set.of()));
    }

    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertThat(result(storage.stats()).dirtyEntries()).isLessThanOrEqualTo(3);
      return null;
    });
    assertThat(isStored(storage, ids.get(0))).isTrue();
    assertThat(storedCount(storage)).isGreaterThanOrEqualTo(17);
  }

  @Test
  @DisplayName("INV-12: one gateway per file: opening again returns the same storage; another system is refused")
  void oneGatewayPerFile() {
    LocalKey key = LocalKey.generate();
    StorageSettings settings = TestSettings.in(base);
    WorkspaceStorage first = result(Stowage.open(testKit.system(), "shared", key, settings));

    assertThat(result(Stowage.open(testKit.system(), "shared", key, settings))).isSameAs(first);
    assertThat(failure(Stowage.open(testKit.system(), "shared", LocalKey.generate(), settings)))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("another key");
    ActorSystem<Void> other = ActorSystem.create(Behaviors.empty(), "other");
    try {
      assertThat(failure(Stowage.open(other, "shared", key, settings)))
          .isInstanceOf(WorkspaceInUseException.class).hasMessageContaining("already open in this process");
    } finally {
      other.terminate();
    }
    String thread = this.<String>onDataStore(first, store -> Thread.currentThread().getName());
    assertThat(thread).contains("stowage.gateway-dispatcher");
    String owner = this.<String>onDataStore(first, store -> store.database().ownerThreadName());
    assertThat(owner).isEqualTo(thread);
  }

  @Test
  @DisplayName("INV-19: a workspace opened with the wrong key is refused at once")
  void theWrongKeyIsRefused() {
    StorageSettings settings = TestSettings.in(base);
    result(result(Stowage.open(testKit.system(), "keyed", LocalKey.generate(), settings)).close());

    assertThat(failure(Stowage.open(testKit.system(), "keyed", LocalKey.generate(), settings)))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("not the key");
    assertThat(failure(Stowage.open(testKit.system(), "../escape", LocalKey.generate(), settings)))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(failure(Stowage.open(testKit.system(), "", LocalKey.generate(), settings)))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  @DisplayName("INV-10: ActorSystem shutdown (CoordinatedShutdown) closes open workspaces cleanly")
  void coordinatedShutdownClosesWorkspaces() throws Exception {
    LocalKey key = LocalKey.generate();
    StorageSettings settings = TestSettings.in(base);
    ActorSystem<Void> host = ActorSystem.create(Behaviors.empty(), "host", ConfigFactory.load("application-test"));
    WorkspaceStorage storage = result(Stowage.open(host, "shutdown", key, settings));
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, true, 9), true, Set.of()));

    host.terminate();
    host.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);

    WorkspaceStorage reopened = result(Stowage.open(testKit.system(), "shutdown", key, settings));
    assertThat(result(reopened.getManifest(id))).isEqualTo(folder(id, true, 9));
    result(reopened.close());
  }

  // ---- Failure -----------------------------------------------------------------------------------

  @Test
  @DisplayName("INV-6: after SQLITE_FULL the workspace fails closed, dirty entries are never written, other workspaces keep working")
  void aFullDatabaseFailsTheWorkspaceOnly() {
    LocalKey key = LocalKey.generate();
    StorageSettings settings = TestSettings.in(base);
    WorkspaceStorage failing = result(Stowage.open(testKit.system(), "full", key, settings));
    WorkspaceStorage healthy = open();
    EntryId committed = EntryId.random();
    EntryId dirty = EntryId.random();
    ChunkId committedChunk = ChunkId.random();
    result(failing.setManifest(committed, folder(committed, false, 1)));
    result(failing.setChunk(committedChunk, new byte[100]));
    result(failing.setManifest(dirty, folder(dirty, true, 1), true, Set.of()));
    onDataStore(failing, store -> {
      store.database().setMaxPageCount(store.database().pageCount() + 10);
      return null;
    });

    List<CompletionStage<Done>> writes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      writes.add(failing.setChunk(ChunkId.random(), new byte[16 * 1024]));
    }
    Set<Class<?>> outcomes = new HashSet<>();
    for (CompletionStage<Done> write : writes) {
      try {
        result(write);
        outcomes.add(Done.class);
      } catch (AssertionError e) {
        outcomes.add(e.getCause().getClass());
      }
    }

    assertThat(outcomes).contains(StorageFailedException.class);
    assertThat(failure(failing.getManifest(committed))).isInstanceOf(StorageFailedException.class);
    assertThat(failure(failing.setManifest(dirty, folder(dirty, true, 2), true, Set.of())))
        .isInstanceOf(StorageFailedException.class);
    assertThat(failure(failing.stats())).isInstanceOf(StorageFailedException.class);
    EntryId other = EntryId.random();
    result(healthy.setManifest(other, folder(other, false, 0)));
    assertThat(result(healthy.getManifest(other))).isEqualTo(folder(other, false, 0));
    assertThat(failure(failing.close())).as("close reports that dirty entries were not written")
        .isInstanceOf(StorageFailedException.class);
    assertThat(failure(failing.getManifest(committed))).isInstanceOf(StorageClosedException.class);

    WorkspaceStorage reopened = result(Stowage.open(testKit.system(), "full", key, settings));
    assertThat(result(reopened.getManifest(committed))).isEqualTo(folder(committed, false, 1));
    assertThat(result(reopened.getChunk(committedChunk))).hasSize(100);
    assertThat(failure(reopened.getManifest(dirty))).isInstanceOf(EntryMissingException.class);
    result(reopened.close());
  }

  // ---- BadInput ----------------------------------------------------------------------------------

}
