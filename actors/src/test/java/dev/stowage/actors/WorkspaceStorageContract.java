package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.stowage.protocol.StorageStats;
import dev.stowage.protocol.WorkspaceManifest;
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
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The façade contract of SPEC section 6, run against every mode of Stowage: {@link
 * WorkspaceStorageTest} runs it in local mode (and adds what only local mode has: SQLite files,
 * passivation limits, SQLITE_FULL), {@code ClusterModeContractTest} (module stowage-cluster) in
 * cluster mode on PostgreSQL. A subclass gives the ActorSystem (its {@code stowage.mode} decides)
 * and may check the stored rows of its backend in the hooks.
 */
public abstract class WorkspaceStorageContract {

  /** The system workspaces are opened in; its configuration chooses the mode. */
  protected abstract ActorSystem<?> system();

  /** Where workspaces keep their node-local files. */
  protected abstract Path baseDir();

  /** Checks whether the backend stores {@code id}; by default the mode does not look. */
  protected void assertStored(WorkspaceStorage storage, EntryId id, boolean stored) {}

  /** Checks the backend's own (uncached) local need-sync set. */
  protected void assertStoredLocalNeedSync(WorkspaceStorage storage, Set<EntryId> expected) {}

  /** Checks the stored remote version of {@code id} ({@code null}: no row). */
  protected void assertStoredRemoteVersion(WorkspaceStorage storage, EntryId id, Long expected) {}

  /** Checks that a closed workspace released its files. */
  protected void assertReleased(StorageSettings settings, String workspaceId) {}

  /** A workspace id not used before (the database of cluster mode outlives a test run). */
  protected static String workspaceName() {
    return "ws-" + UUID.randomUUID();
  }

  /**
   * The configuration this run of the contract is under (HOCON, below each test's own overrides):
   * the default configuration unless a subclass runs the contract over another point of the
   * matrix ({@link LocalContractMatrixTest}).
   */
  protected String configuration() {
    return "";
  }

  /**
   * Whether, in {@link #configuration()}, entities stay live between a test's calls (room for
   * each, no passivation within a test): only then may a test rely on a cache-only value being
   * still unflushed, or on no write waiting for an entity slot.
   */
  protected boolean entriesStayCached() {
    return true;
  }

  /** The settings of this run: {@link #configuration()}, then {@code overrides}. */
  protected StorageSettings settings(String overrides) {
    return TestSettings.in(baseDir(), configuration() + "\n" + overrides); // later keys win
  }

  protected WorkspaceStorage open(String overrides) {
    return result(Stowage.open(system(), workspaceName(), LocalKey.generate(), settings(overrides)));
  }

  protected WorkspaceStorage open() {
    return open("");
  }

  /** Equal arguments give an equal manifest. */
  protected static FolderManifest folder(EntryId id, boolean needSync, long baseVersion) {
    EntryId parent = new EntryId(new UUID(id.value().getLeastSignificantBits(), 1));
    EntryId child = new EntryId(new UUID(id.value().getMostSignificantBits(), 2));
    return new FolderManifest(id, parent, baseVersion, needSync, Instant.EPOCH, Map.of("child", child));
  }

  protected static FileManifest file(EntryId id, List<ChunkId> chunks) {
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      refs.add(new ChunkRef(chunks.get(i), i * 10L, 10));
    }
    return new FileManifest(id, EntryId.random(), 0, true, Instant.EPOCH, chunks.size() * 10L, 10, refs);
  }

  @Test
  public void aDurableWriteIsStoredWhenItCompletes() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    WorkspaceManifest workspace = new WorkspaceManifest(id, 4, false, Instant.EPOCH, Map.of());

    result(storage.setManifest(id, workspace));

    assertStored(storage, id, true);
    assertThat(result(storage.getManifest(id))).isEqualTo(workspace);
    assertThat(result(storage.stats()).dirtyEntries()).isZero();
  }

  @Test
  @DisplayName("INV-2: removed chunks stay readable until the flush, then go in the manifest's transaction")
  public void removedChunksAreDeletedWithTheFlush() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    ChunkId old = ChunkId.random();
    ChunkId replacement = ChunkId.random();
    result(storage.setChunk(old, new byte[10]));
    result(storage.setChunk(replacement, new byte[10]));
    result(storage.setManifest(id, file(id, List.of(old))));

    result(storage.setManifest(id, file(id, List.of(replacement)), true, Set.of(old)));
    if (entriesStayCached()) { // else passivation may flush it any moment, and delete the old chunk with it
      assertThat(result(storage.getChunk(old))).hasSize(10);
      assertThat(result(storage.getLocalChunkIds(List.of(old, replacement)))).containsExactlyInAnyOrder(old, replacement);
    }

    result(storage.ensureManifestPersistent(id));
    assertThat(failure(storage.getChunk(old))).isInstanceOf(EntryMissingException.class);
    assertThat(result(storage.getLocalChunkIds(List.of(old, replacement)))).containsExactly(replacement);
  }

  @Test
  @DisplayName("INV-14: get and clear of an unknown manifest are EntryMissingException; a cleared one is gone")
  public void missingManifests() {
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
  public void clearManifestDeletesPendingRemovedChunks() {
    WorkspaceStorage storage = open();
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();
    result(storage.setChunk(chunk, new byte[1]));
    result(storage.setManifest(id, folder(id, false, 0)));
    result(storage.setManifest(id, folder(id, true, 0), true, Set.of(chunk)));

    result(storage.clearManifest(id));

    assertThat(result(storage.getLocalChunkIds(List.of(chunk)))).isEmpty();
    assertStored(storage, id, false);
  }

  @Test
  @DisplayName("INV-5: the cache is authoritative for local need-sync, both ways")
  public void theCacheIsAuthoritativeForNeedSync() {
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
    if (entriesStayCached()) { // the rows still say the opposite, so the answers below come from the cache
      assertStoredLocalNeedSync(storage, Set.of(becameClean, cleared));
    }

    NeedSync needSync = result(storage.getNeedSyncEntries());
    assertThat(needSync.local()).containsExactlyInAnyOrder(becameDirty, cleared);
    assertThat(needSync.remote()).containsExactly(cleared);

    result(storage.clearManifest(cleared));
    NeedSync afterClear = result(storage.getNeedSyncEntries());
    assertThat(afterClear.local()).containsExactly(becameDirty);
    assertThat(afterClear.remote()).isEmpty();
  }

  @Test
  @DisplayName("INV-14: getChunk, clearChunk and getBlock of unknown ids are EntryMissingException; clearBlock is a no-op")
  public void misses() {
    WorkspaceStorage storage = open();
    ChunkId id = ChunkId.random();

    assertThat(failure(storage.getChunk(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.clearChunk(id))).isInstanceOf(EntryMissingException.class);
    assertThat(failure(storage.getBlock(id))).isInstanceOf(EntryMissingException.class);
    assertThat(result(storage.clearBlock(id))).isEqualTo(Done.getInstance());
  }

  @Test
  public void chunksRoundTripAndClear() {
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
  public void callsReachTheDatabaseInTheOrderTheyWereMade() {
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
  public void getLocalChunkIdsAcceptsAnyNumberOfIds() {
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
  public void theBlockCacheIsBounded() {
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

  @Test
  @DisplayName("INV-15: the realm checkpoint raises remote versions of existing entries only")
  public void realmCheckpoint() {
    WorkspaceStorage storage = open();
    EntryId stored = EntryId.random();
    EntryId unknown = EntryId.random();
    result(storage.setManifest(stored, folder(stored, false, 2)));

    assertThat(result(storage.getRealmCheckpoint())).isZero();
    result(storage.updateRealmCheckpoint(7, Map.of(stored, 5L, unknown, 9L)));
    result(storage.updateRealmCheckpoint(8, Map.of(stored, 3L)));

    assertThat(result(storage.getRealmCheckpoint())).isEqualTo(8);
    assertThat(result(storage.getNeedSyncEntries()).remote()).containsExactly(stored);
    assertStoredRemoteVersion(storage, stored, 5L);
    assertStoredRemoteVersion(storage, unknown, null);
  }

  @Test
  @DisplayName("INV-16: prevent-sync pattern: default, idempotent set, fully applied only if current")
  public void preventSyncPattern() {
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
  @DisplayName("INV-10: close flushes every dirty entry, commits and closes both files; a write it overtook is refused, never lost; later calls are StorageClosedException")
  public void closeFlushesAndCloses() {
    LocalKey key = LocalKey.generate();
    StorageSettings settings = settings("");
    String name = workspaceName();
    WorkspaceStorage storage = result(Stowage.open(system(), name, key, settings));
    Map<EntryId, LocalManifest> written = new HashMap<>();
    Map<EntryId, CompletionStage<Done>> answers = new HashMap<>();
    for (int i = 0; i < 50; i++) {
      EntryId id = EntryId.random();
      written.put(id, folder(id, true, i));
      answers.put(id, storage.setManifest(id, written.get(id), true, Set.of())); // not awaited
    }

    result(storage.close());
    result(storage.close()); // idempotent
    // A write still waiting for its entity when the close came (entity.max-active reached, its
    // entity stopping) is refused as closed; every other one was flushed by the close.
    Map<EntryId, LocalManifest> accepted = new HashMap<>();
    answers.forEach((id, answer) -> {
      Throwable error = answer.toCompletableFuture().handle((done, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
      if (error == null) {
        accepted.put(id, written.get(id));
      } else {
        assertThat(error).as("a write the close overtook").isInstanceOf(StorageClosedException.class);
      }
    });

    assertReleased(settings, name);
    assertThat(failure(storage.getManifest(EntryId.random()))).isInstanceOf(StorageClosedException.class);
    assertThat(failure(storage.setChunk(ChunkId.random(), new byte[1]))).isInstanceOf(StorageClosedException.class);
    assertThat(failure(storage.stats())).isInstanceOf(StorageClosedException.class);
    WorkspaceStorage reopened = result(Stowage.open(system(), name, key, settings));
    written.forEach((id, manifest) -> {
      if (accepted.containsKey(id)) {
        assertThat(result(reopened.getManifest(id))).isEqualTo(manifest);
      } else {
        assertThat(failure(reopened.getManifest(id))).isInstanceOf(EntryMissingException.class);
      }
    });
    if (entriesStayCached()) {
      assertThat(accepted).as("with room for every entity, close overtakes no write").hasSize(written.size());
    }
    result(reopened.close());
  }

  @Test
  @DisplayName("INV-10: the raw protocol gets StorageClosedException after close too")
  public void theRawProtocolAfterClose() {
    WorkspaceStorage storage = open();
    result(storage.close());

    CompletionStage<LocalManifest> asked = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.GetManifest(EntryId.random(), replyTo),
        Duration.ofSeconds(5), system().scheduler());
    assertThat(failure(asked)).isInstanceOf(StorageClosedException.class);
  }

  @Test
  @DisplayName("INV-11: clearMemoryCache(true) flushes then drops every entity, and completes only once all have stopped")
  public void clearMemoryCacheWithFlush() {
    WorkspaceStorage storage = open();
    List<EntryId> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      EntryId id = EntryId.random();
      ids.add(id);
      result(storage.setManifest(id, folder(id, true, 1), true, Set.of()));
    }

    result(storage.clearMemoryCache(true));

    StorageStats stats = result(storage.stats());
    assertThat(stats.liveEntities()).isZero();
    assertThat(stats.dirtyEntries()).isZero();
    for (EntryId id : ids) {
      assertStored(storage, id, true);
      assertThat(result(storage.getManifest(id))).isInstanceOf(FolderManifest.class).extracting(LocalManifest::baseVersion).isEqualTo(1L);
    }
  }

  @Test
  @DisplayName("INV-11: clearMemoryCache(false) drops dirty values and their removed ids without writing")
  public void clearMemoryCacheWithoutFlush() {
    // passivation (max-active, passivate-after) may flush the cache-only write before the clear comes
    assumeTrue(entriesStayCached(), "entries do not stay cached at this point of the matrix");
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
  @DisplayName("INV-19: bad arguments are InvalidRequestException and change nothing")
  public void badArgumentsAreRefused() {
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

  /**
   * Names from the awkward corners of Unicode that a file may have, each a child of its own: Stowage
   * must store them exactly, code unit for code unit.
   */
  static final List<String> AWKWARD_NAMES = List.of(
      "\uD83D\uDE00 emoji.png",
      "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", // a ZWJ sequence
      "caf\u00E9", // precomposed
      "cafe\u0301", // decomposed: another name
      "\u05E9\u05DC\u05D5\u05DD.txt", // right-to-left
      "\u202Egnp.exe", // a right-to-left override
      "\uFEFFbom", // a byte-order mark
      "x\uFFFE\uFFFF\uFDD0", // noncharacters
      "tab\there\u0001", // control characters other than NUL
      "\uDBFF\uDFFF", // the last code point
      "a".repeat(255), // the longest name, in bytes
      "\uD83D\uDE00".repeat(63) + "abc"); // 255 bytes, in 4-byte characters

  /** Names no file may have, or that UTF-8 (the stored form) cannot hold: lone surrogates first. */
  static final List<String> UNSTORABLE_NAMES = List.of(
      "\uD800", "\uDC00", "x\uD800y", "\uDC00\uD800", "", ".", "..", "a/b", "a\0b", "a".repeat(256),
      "\uD83D\uDE00".repeat(64));

  @Test
  @DisplayName("INV-19: awkward names are stored exactly and read back from the store, in a folder and a workspace")
  public void awkwardNamesAreStoredExactly() {
    WorkspaceStorage storage = open();
    EntryId folderId = EntryId.random();
    EntryId workspaceId = EntryId.random();
    Map<String, EntryId> children = new HashMap<>();
    AWKWARD_NAMES.forEach(name -> children.put(name, EntryId.random()));
    FolderManifest folder = new FolderManifest(folderId, workspaceId, 1, true, Instant.EPOCH, children);
    WorkspaceManifest workspace = new WorkspaceManifest(workspaceId, 0, true, Instant.EPOCH, children);

    result(storage.setManifest(folderId, folder, true, Set.of())); // cache-only, flushed by the ensure
    result(storage.ensureManifestPersistent(folderId));
    result(storage.setManifest(workspaceId, workspace));
    result(storage.clearMemoryCache(false)); // read back from the store, not from the cache

    assertThat(result(storage.getManifest(folderId))).isEqualTo(folder);
    assertThat(((FolderManifest) result(storage.getManifest(folderId))).children()).hasSize(AWKWARD_NAMES.size());
    assertThat(result(storage.getManifest(workspaceId))).isEqualTo(workspace);
  }

  @Test
  @DisplayName("INV-19: a manifest that cannot be stored is refused at the call, durable or cache-only, and nothing changes")
  public void unstorableManifestsAreRefusedAtTheCall() {
    WorkspaceStorage storage = open("stowage.max-manifest-size = 4 KiB");
    EntryId id = EntryId.random();
    FolderManifest stored = folder(id, false, 0);
    result(storage.setManifest(id, stored));
    StorageStats before = result(storage.stats());
    List<FolderManifest> unstorable = new ArrayList<>();
    for (String name : UNSTORABLE_NAMES) {
      unstorable.add(new FolderManifest(id, id, 1, true, Instant.EPOCH, Map.of("fine", id, name, id)));
    }
    Map<String, EntryId> many = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      many.put("a child with a long enough name " + i, EntryId.random()); // over 4 KiB stored
    }
    unstorable.add(new FolderManifest(id, id, 1, true, Instant.EPOCH, many));
    Set<ChunkId> tooManyRemoved = new HashSet<>();
    for (int i = 0; i <= 4096 / 16; i++) {
      tooManyRemoved.add(ChunkId.random());
    }

    for (FolderManifest manifest : unstorable) {
      for (boolean cacheOnly : List.of(false, true)) {
        CompletableFuture<Done> call = storage.setManifest(id, manifest, cacheOnly, Set.of()).toCompletableFuture();
        assertThat(call).as("refused at the call, not later").isCompletedExceptionally();
        assertThat(failure(call)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("manifest " + id);
      }
    }
    assertThat(failure(storage.setManifest(id, stored, true, tooManyRemoved)))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("more than 256");

    assertThat(result(storage.getManifest(id))).isEqualTo(stored);
    result(storage.ensureManifestPersistent(id));
    StorageStats after = result(storage.stats());
    assertThat(after.data().writes()).isEqualTo(before.data().writes());
    assertThat(after.dirtyEntries()).isZero();
  }

  @Test
  @DisplayName("INV-19: the raw protocol validates too")
  public void theRawProtocolIsValidated() {
    WorkspaceStorage storage = open("stowage.max-chunk-size = 1 KiB");
    CompletionStage<Done> oversized = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.SetChunk(ChunkId.random(), new byte[4096], replyTo),
        Duration.ofSeconds(5), system().scheduler());
    CompletionStage<Done> badRegex = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.SetPreventSyncPattern("([", replyTo),
        Duration.ofSeconds(5), system().scheduler());

    EntryId id = EntryId.random();
    FolderManifest unstorable = new FolderManifest(id, id, 0, true, Instant.EPOCH, Map.of("\uD800", id));
    CompletionStage<Done> loneSurrogate = AskPattern.askWithStatus(storage.supervisor(),
        replyTo -> new dev.stowage.protocol.StorageCommand.SetManifest(id, unstorable, true, Set.of(), replyTo),
        Duration.ofSeconds(5), system().scheduler());

    assertThat(failure(oversized)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("max-chunk-size");
    assertThat(failure(loneSurrogate)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("lone surrogate");
    assertThat(failure(badRegex)).isInstanceOf(InvalidRequestException.class);
  }
}
