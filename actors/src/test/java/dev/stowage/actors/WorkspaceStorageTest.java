package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.protocol.WorkspaceManifest;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The façade end to end, with the semantics of SPEC section 6. */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceStorageTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;
  private int workspaces;

  private WorkspaceStorage open(String overrides) {
    return result(Stowage.open(testKit.system(), "ws" + (++workspaces), LocalKey.generate(), TestSettings.in(base, overrides)));
  }

  private WorkspaceStorage open() {
    return open("");
  }

  /** Equal arguments give an equal manifest. */
  private static FolderManifest folder(EntryId id, boolean needSync, long baseVersion) {
    EntryId parent = new EntryId(new java.util.UUID(id.value().getLeastSignificantBits(), 1));
    EntryId child = new EntryId(new java.util.UUID(id.value().getMostSignificantBits(), 2));
    return new FolderManifest(id, parent, baseVersion, needSync, Instant.EPOCH, Map.of("child", child));
  }

  private static FileManifest file(EntryId id, List<ChunkId> chunks) {
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      refs.add(new ChunkRef(chunks.get(i), i * 10L, 10));
    }
    return new FileManifest(id, EntryId.random(), 0, true, Instant.EPOCH, chunks.size() * 10L, 10, refs);
  }

  /** Runs work on a workspace's data store, on its gateway thread. */
  private <R> R onDataStore(WorkspaceStorage storage, dev.stowage.actors.DbGateway.Work<DataStore, R> work) {
    return result(AskPattern.<dev.stowage.protocol.StorageCommand, R>askWithStatus(storage.supervisor(),
        replyTo -> new StorageSupervisor.OnDataStore<>(work, replyTo), Duration.ofSeconds(10),
        testKit.system().scheduler()));
  }

  private boolean isStored(WorkspaceStorage storage, EntryId id) {
    return this.<Boolean>onDataStore(storage, store -> store.vlobs().get(id).isPresent());
  }

  private long storedCount(WorkspaceStorage storage) {
    return this.<Long>onDataStore(storage, store -> store.vlobs().count());
  }

  private dev.stowage.storage.VlobTable.Versions storedVersions(WorkspaceStorage storage, EntryId id) {
    return this.<dev.stowage.storage.VlobTable.Versions>onDataStore(storage, store -> store.vlobs().versions(id).orElse(null));
  }

  // ---- Manifests ---------------------------------------------------------------------------------

  @Test
  void aDurableWriteIsStoredWhenItCompletes() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    WorkspaceManifest workspace = new WorkspaceManifest(id, 4, false, Instant.EPOCH, Map.of());

    result(storage.setManifest(id, workspace));

    assertThat(isStored(storage, id)).isTrue();
    assertThat(result(storage.getManifest(id))).isEqualTo(workspace);
    assertThat(result(storage.stats()).dirtyEntries()).isZero();
  }

  @Test
  @DisplayName("INV-2: removed chunks stay readable until the flush, then go in the manifest's transaction")
  void removedChunksAreDeletedWithTheFlush() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    ChunkId old = ChunkId.random();
    ChunkId replacement = ChunkId.random();
    result(storage.setChunk(old, new byte[10]));
    result(storage.setChunk(replacement, new byte[10]));
    result(storage.setManifest(id, file(id, List.of(old))));

    result(storage.setManifest(id, file(id, List.of(replacement)), true, Set.of(old)));
    assertThat(result(storage.getChunk(old))).hasSize(10);
    assertThat(result(storage.getLocalChunkIds(List.of(old, replacement)))).containsExactlyInAnyOrder(old, replacement);

    result(storage.ensureManifestPersistent(id));
    assertThat(failure(storage.getChunk(old))).isInstanceOf(EntryMissingException.class);
    assertThat(result(storage.getLocalChunkIds(List.of(old, replacement)))).containsExactly(replacement);
  }

  @Test
  @DisplayName("INV-14: get and clear of an unknown manifest are EntryMissingException; a cleared one is gone")
  void missingManifests() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();

    assertThat(failure(storage.getManifest(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.clearManifest(id))).isInstanceOf(EntryMissingException.class);
    result(storage.setManifest(id, folder(id, false, 0), true, Set.of()));
    result(storage.clearManifest(id)); // cached only, never stored: still clearable
    assertThat(failure(storage.getManifest(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.clearManifest(id))).isInstanceOf(EntryMissingException.class);
  }

  @Test
  @DisplayName("INV-14: clearManifest deletes the row and the entry's pending removed chunks in one transaction")
  void clearManifestDeletesPendingRemovedChunks() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();
    result(storage.setChunk(chunk, new byte[1]));
    result(storage.setManifest(id, folder(id, false, 0)));
    result(storage.setManifest(id, folder(id, true, 0), true, Set.of(chunk)));

    result(storage.clearManifest(id));

    assertThat(result(storage.getLocalChunkIds(List.of(chunk)))).isEmpty();
    assertThat(isStored(storage, id)).isFalse();
  }

  @Test
  @DisplayName("INV-5: the cache is authoritative for local need-sync, both ways")
  void theCacheIsAuthoritativeForNeedSync() {
    WorkspaceStorage storage = open();
    EntryId becameDirty = EntryId.random();
    EntryId becameClean = EntryId.random();
    EntryId cleared = EntryId.random();
    result(storage.setManifest(becameDirty, folder(becameDirty, false, 0)));
    result(storage.setManifest(becameClean, folder(becameClean, true, 0)));
    result(storage.setManifest(cleared, folder(cleared, true, 1)));
    result(storage.updateRealmCheckpoint(5, Map.of(cleared, 3L)));

    result(storage.setManifest(becameDirty, folder(becameDirty, true, 0), true, Set.of()));
    result(storage.setManifest(becameClean, folder(becameClean, false, 0), true, Set.of()));
    Set<EntryId> storedLocal = onDataStore(storage, store -> store.vlobs().localNeedSync());
    assertThat(storedLocal).containsExactlyInAnyOrder(becameClean, cleared);

    NeedSync needSync = result(storage.getNeedSyncEntries());
    assertThat(needSync.local()).containsExactlyInAnyOrder(becameDirty, cleared);
    assertThat(needSync.remote()).containsExactly(cleared);

    result(storage.clearManifest(cleared));
    NeedSync afterClear = result(storage.getNeedSyncEntries());
    assertThat(afterClear.local()).containsExactly(becameDirty);
    assertThat(afterClear.remote()).isEmpty();
  }

  // ---- ChunksAndBlocks ---------------------------------------------------------------------------

  @Test
  @DisplayName("INV-14: getChunk, clearChunk and getBlock of unknown ids are EntryMissingException; clearBlock is a no-op")
  void misses() {
    WorkspaceStorage storage = open();
    ChunkId id = ChunkId.random();

    assertThat(failure(storage.getChunk(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.clearChunk(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.getBlock(id))).isInstanceOf(EntryMissingException.class);
    assertThat(result(storage.clearBlock(id))).isEqualTo(Done.getInstance());
  }

  @Test
  void chunksRoundTripAndClear() {
    WorkspaceStorage storage = open();
    ChunkId id = ChunkId.random();
    byte[] data = new byte[100_000];
    new java.util.Random(1).nextBytes(data);

    result(storage.setChunk(id, data));
    assertThat(result(storage.getChunk(id))).isEqualTo(data);
    result(storage.clearChunk(id));
    assertThat(failure(storage.getChunk(id))).isInstanceOf(EntryMissingException.class);
  }

  @Test
  void callsReachTheDatabaseInTheOrderTheyWereMade() {
    WorkspaceStorage storage = open();
    ChunkId id = ChunkId.random();
    List<CompletionStage<Done>> calls = new ArrayList<>();

    for (int i = 0; i < 50; i++) { // none waits for the one before: large writes, small deletes
      calls.add(storage.setChunk(id, new byte[64 * 1024]));
      calls.add(storage.clearChunk(id));
    }
    CompletionStage<byte[]> read = storage.getChunk(id);

    calls.forEach(Await::result);
    assertThat(failure(read)).isInstanceOf(EntryMissingException.class);
  }

  @Test
  void getLocalChunkIdsAcceptsAnyNumberOfIds() {
    WorkspaceStorage storage = open();
    List<ChunkId> stored = new ArrayList<>();
    List<ChunkId> asked = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      ChunkId id = ChunkId.random();
      asked.add(id);
      if (i % 3 == 0) {
        stored.add(id);
        storage.setChunk(id, new byte[1]);
      }
    }
    result(storage.setChunk(ChunkId.random(), new byte[1])); // every write before it is committed too

    assertThat(result(storage.getLocalChunkIds(asked))).containsExactlyInAnyOrderElementsOf(stored);
  }

  @Test
  @DisplayName("INV-13: the block cache stays within cache-size / block-size; reads count hits and misses")
  void theBlockCacheIsBounded() {
    WorkspaceStorage storage = open("stowage { cache-size = 10 KiB, block-size = 1 KiB }");
    List<ChunkId> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ChunkId id = ChunkId.random();
      ids.add(id);
      result(storage.setBlock(id, new byte[1024]));
      assertThat(result(storage.stats()).blocks()).isLessThanOrEqualTo(10);
    }
    result(storage.getBlock(ids.get(29)));
    failure(storage.getBlock(ids.get(0)));

    StorageStats stats = result(storage.stats());
    assertThat(stats.blockLimit()).isEqualTo(10);
    assertThat(stats.blockEvictions()).isEqualTo(30 - stats.blocks());
    assertThat(stats.blockHits()).isEqualTo(1);
    assertThat(stats.blockMisses()).isEqualTo(1);
  }

  // ---- Workspace ---------------------------------------------------------------------------------

  @Test
  @DisplayName("INV-15: the realm checkpoint raises remote versions of existing entries only")
  void realmCheckpoint() {
    WorkspaceStorage storage = open();
    EntryId stored = EntryId.random();
    EntryId unknown = EntryId.random();
    result(storage.setManifest(stored, folder(stored, false, 2)));

    assertThat(result(storage.getRealmCheckpoint())).isZero();
    result(storage.updateRealmCheckpoint(7, Map.of(stored, 5L, unknown, 9L)));
    result(storage.updateRealmCheckpoint(8, Map.of(stored, 3L)));

    assertThat(result(storage.getRealmCheckpoint())).isEqualTo(8);
    assertThat(result(storage.getNeedSyncEntries()).remote()).containsExactly(stored);
    assertThat(storedVersions(storage, stored).remoteVersion()).isEqualTo(5);
    assertThat(storedVersions(storage, unknown)).isNull();
  }

  @Test
  @DisplayName("INV-16: prevent-sync pattern: default, idempotent set, fully applied only if current")
  void preventSyncPattern() {
    WorkspaceStorage storage = open();

    assertThat(result(storage.getPreventSyncPattern()).pattern()).isEqualTo("^\\b$");
    result(storage.setPreventSyncPattern(Pattern.compile(".*\\.tmp$")));
    result(storage.markPreventSyncPatternFullyApplied(Pattern.compile(".*\\.tmp$")));
    result(storage.setPreventSyncPattern(Pattern.compile(".*\\.tmp$")));
    assertThat(result(storage.getPreventSyncPatternState())).isEqualTo(new PreventSyncPattern(".*\\.tmp$", true));

    result(storage.setPreventSyncPattern(Pattern.compile("(?i).*\\.bak$")));
    result(storage.markPreventSyncPatternFullyApplied(Pattern.compile(".*\\.tmp$")));
    assertThat(result(storage.getPreventSyncPatternState())).isEqualTo(new PreventSyncPattern("(?i).*\\.bak$", false));
  }

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

  // ---- Lifecycle ---------------------------------------------------------------------------------

  @Test
  @DisplayName("INV-10: close flushes every dirty entry, commits and closes both files; later calls are StorageClosedException")
  void closeFlushesAndCloses() {
    LocalKey key = LocalKey.generate();
    StorageSettings settings = TestSettings.in(base);
    WorkspaceStorage storage = result(Stowage.open(testKit.system(), "closing", key, settings));
    Map<EntryId, LocalManifest> written = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      EntryId id = EntryId.random();
      written.put(id, folder(id, true, i));
      storage.setManifest(id, written.get(id), true, Set.of());
    }

    result(storage.close());
    result(storage.close()); // idempotent

    Path dir = settings.workspaceDir("closing");
    assertThat(LocalDatabase.isOpen(dir.resolve("data_v1.sqlite"))).isFalse();
    assertThat(LocalDatabase.isOpen(dir.resolve("cache_v1.sqlite"))).isFalse();
    assertThat(failure(storage.getManifest(EntryId.random()))).isInstanceOf(StorageClosedException.class);
    assertThat(failure(storage.setChunk(ChunkId.random(), new byte[1]))).isInstanceOf(StorageClosedException.class);
    assertThat(failure(storage.stats())).isInstanceOf(StorageClosedException.class);
    WorkspaceStorage reopened = result(Stowage.open(testKit.system(), "closing", key, settings));
    written.forEach((id, manifest) -> assertThat(result(reopened.getManifest(id))).isEqualTo(manifest));
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-10: the raw protocol gets StorageClosedException after close too")
  void theRawProtocolAfterClose() {
    WorkspaceStorage storage = open();
    result(storage.close());

    CompletionStage<LocalManifest> asked = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.GetManifest(EntryId.random(), replyTo),
        Duration.ofSeconds(5), testKit.system().scheduler());
    assertThat(failure(asked)).isInstanceOf(StorageClosedException.class);
  }

  @Test
  @DisplayName("INV-11: clearMemoryCache(true) flushes then drops every entity")
  void clearMemoryCacheWithFlush() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    result(storage.setManifest(id, folder(id, true, 1), true, Set.of()));

    result(storage.clearMemoryCache(true));

    StorageStats stats = result(storage.stats());
    assertThat(stats.liveEntities()).isZero();
    assertThat(stats.dirtyEntries()).isZero();
    assertThat(isStored(storage, id)).isTrue();
    assertThat(result(storage.getManifest(id))).isInstanceOf(FolderManifest.class).extracting(LocalManifest::baseVersion).isEqualTo(1L);
  }

  @Test
  @DisplayName("INV-11: clearMemoryCache(false) drops dirty values and their removed ids without writing")
  void clearMemoryCacheWithoutFlush() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    ChunkId removed = ChunkId.random();
    FolderManifest stored = folder(id, false, 1);
    result(storage.setChunk(removed, new byte[1]));
    result(storage.setManifest(id, stored));
    result(storage.setManifest(id, folder(id, true, 2), true, Set.of(removed)));

    result(storage.clearMemoryCache(false));

    assertThat(result(storage.getManifest(id))).isEqualTo(stored);
    assertThat(result(storage.getLocalChunkIds(List.of(removed)))).containsExactly(removed);
    assertThat(result(storage.getNeedSyncEntries()).local()).isEmpty();
    result(storage.ensureManifestPersistent(id));
    assertThat(result(storage.getLocalChunkIds(List.of(removed)))).containsExactly(removed);
  }

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

    storage.supervisor().tell(new ManifestEntity.Idle(id)); // the entity now stops, flushing first
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
          .isInstanceOf(StorageFailedException.class).hasMessageContaining("already open in this process");
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

  @Test
  @DisplayName("INV-19: bad arguments are InvalidRequestException and change nothing")
  void badArgumentsAreRefused() {
    WorkspaceStorage storage = open("stowage.max-chunk-size = 1 KiB");
    EntryId id = EntryId.random();
    Set<ChunkId> withNull = new HashSet<>();
    withNull.add(null);
    Map<EntryId, Long> negative = Map.of(id, -1L);

    assertThat(List.of(
        failure(storage.getManifest(null)),
        failure(storage.setManifest(null, folder(id, false, 0))),
        failure(storage.setManifest(id, null)),
        failure(storage.setManifest(EntryId.random(), folder(id, false, 0))),
        failure(storage.setManifest(id, folder(id, false, 0), true, null)),
        failure(storage.setManifest(id, folder(id, false, 0), true, withNull)),
        failure(storage.ensureManifestPersistent(null)),
        failure(storage.clearManifest(null)),
        failure(storage.setChunk(ChunkId.random(), new byte[1025])),
        failure(storage.setChunk(ChunkId.random(), null)),
        failure(storage.setChunk(null, new byte[1])),
        failure(storage.setBlock(ChunkId.random(), new byte[2048])),
        failure(storage.getLocalChunkIds(null)),
        failure(storage.updateRealmCheckpoint(-1, Map.of())),
        failure(storage.updateRealmCheckpoint(1, negative)),
        failure(storage.setPreventSyncPattern(Pattern.compile("a", Pattern.CASE_INSENSITIVE))),
        failure(storage.setPreventSyncPattern(null))))
        .allSatisfy(error -> assertThat(error).isInstanceOf(InvalidRequestException.class));

    StorageStats stats = result(storage.stats());
    assertThat(stats.data().writes()).isZero();
    assertThat(stats.cache().writes()).isZero();
    assertThat(stats.liveEntities()).isZero();
    assertThat(result(storage.getRealmCheckpoint())).isZero();
  }

  @Test
  @DisplayName("INV-19: the raw protocol validates too")
  void theRawProtocolIsValidated() {
    WorkspaceStorage storage = open("stowage.max-chunk-size = 1 KiB");
    CompletionStage<Done> oversized = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.SetChunk(ChunkId.random(), new byte[4096], replyTo),
        Duration.ofSeconds(5), testKit.system().scheduler());
    CompletionStage<Done> badRegex = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.SetPreventSyncPattern("([", replyTo),
        Duration.ofSeconds(5), testKit.system().scheduler());

    assertThat(failure(oversized)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("max-chunk-size");
    assertThat(failure(badRegex)).isInstanceOf(InvalidRequestException.class);
  }
}
