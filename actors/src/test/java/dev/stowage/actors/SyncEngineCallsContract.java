package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls a sync engine and a UI make around the storage (SPEC 5b, 6b): paged need-sync, the
 * paged list of entries, the outbound backlog, and promoting an uploaded chunk to the block cache.
 * Local mode runs it in {@code SyncEngineCallsTest}, cluster mode on two nodes in {@code
 * ClusterSyncEngineTest.Calls}: there the dirty entries are written through the other node than
 * the one that pages, so its pages must gather them from the other node (INV-5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SyncEngineCallsContract {

  /** The nodes the workspace opens on (one in local mode). */
  protected abstract WorkspaceNodes nodes();

  protected List<WorkspaceStorage> open(Path dir, String settings) {
    return nodes().open("sync-" + UUID.randomUUID(), LocalKey.generate(), dir, "stowage { " + settings + " }");
  }

  /** The storage of the last node: where the dirty writes go (another node than the pager in cluster mode). */
  private static WorkspaceStorage writer(List<WorkspaceStorage> storages) {
    return storages.get(storages.size() - 1);
  }

  static FileManifest file(EntryId id, long baseVersion, boolean needSync, List<ChunkRef> chunks) {
    long size = chunks.stream().mapToLong(ref -> ref.offset() + ref.size()).max().orElse(0);
    return new FileManifest(id, EntryId.random(), baseVersion, needSync, Instant.now(), size, 512 * 1024, chunks);
  }

  /** Ids in the order of their 16-byte form, compared as unsigned bytes: what SPEC 6b pages in. */
  static List<EntryId> inByteOrder(Set<EntryId> ids) {
    List<EntryId> sorted = new ArrayList<>(ids);
    sorted.sort((a, b) -> Arrays.compareUnsigned(a.toBytes(), b.toBytes()));
    return sorted;
  }

  private static List<EntryId> listAll(WorkspaceStorage storage, int limit) {
    List<EntryId> all = new ArrayList<>();
    EntryId after = null;
    while (true) {
      List<EntryId> page = Await.result(storage.listManifests(after, limit));
      assertThat(page.size()).isLessThanOrEqualTo(limit);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      after = page.get(page.size() - 1);
    }
  }

  @Test
  @DisplayName("SPEC 6b, INV-5: need-sync and list pages return the first ids in byte order, stored and dirty cached entries alike, the cache authoritative")
  void pagesAreTheFirstIdsOfEachSet(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir, "cache.max-dirty = 1000");
    WorkspaceStorage pager = storages.get(0);
    WorkspaceStorage writer = writer(storages);
    Set<EntryId> every = new LinkedHashSet<>(); // every entry written, in the order written
    Set<EntryId> local = new TreeSet<>();
    for (int i = 0; i < 30; i++) {
      EntryId id = EntryId.random();
      boolean needSync = i % 3 != 0;
      boolean cacheOnly = i % 2 == 0;
      FileManifest value = file(id, 1, needSync, List.of());
      Await.result(writer.setManifest(id, value, cacheOnly, Set.of()));
      every.add(id);
      if (needSync) {
        local.add(id);
      }
    }
    // A stored entry that needs sync, then written clean to the cache only: the cache says it is synced.
    EntryId synced = EntryId.random();
    Await.result(writer.setManifest(synced, file(synced, 1, true, List.of())));
    Await.result(writer.setManifest(synced, file(synced, 2, false, List.of()), true, Set.of()));
    every.add(synced);
    // Stored entries whose remote version the checkpoint raises: the inbound set.
    Set<EntryId> remote = new TreeSet<>();
    Map<EntryId, Long> changed = new HashMap<>();
    for (EntryId id : new ArrayList<>(every).subList(0, 8)) {
      Await.result(writer.ensureManifestPersistent(id));
      changed.put(id, 5L);
      remote.add(id);
    }
    Await.result(pager.updateRealmCheckpoint(9, changed));

    NeedSync whole = Await.result(pager.getNeedSyncEntries());
    assertThat(whole.local()).as("the whole local set").isEqualTo(local);
    assertThat(whole.remote()).as("the whole remote set").isEqualTo(remote);
    List<EntryId> localInOrder = inByteOrder(local);
    List<EntryId> remoteInOrder = inByteOrder(remote);
    for (int limit : new int[] {1, 3, 7, 1000}) {
      assertThat(Await.result(pager.getOutboundNeedSync(limit))).as("outbound page of %s", limit)
          .isEqualTo(localInOrder.subList(0, Math.min(limit, localInOrder.size())));
      assertThat(Await.result(pager.getInboundNeedSync(limit))).as("inbound page of %s", limit)
          .isEqualTo(remoteInOrder.subList(0, Math.min(limit, remoteInOrder.size())));
    }
    List<EntryId> everyId = inByteOrder(every);
    for (int limit : new int[] {1, 4, 1000}) {
      assertThat(listAll(pager, limit)).as("every page of %s, in turn", limit).isEqualTo(everyId);
    }
    EntryId middle = everyId.get(everyId.size() / 2);
    assertThat(Await.result(pager.listManifests(middle, 5)))
        .isEqualTo(everyId.subList(everyId.size() / 2 + 1, everyId.size() / 2 + 6));
    storages.forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("SPEC 6b: a limit below 1 is an InvalidRequestException")
  void limitsBelowOneAreRefused(@TempDir Path dir) {
    WorkspaceStorage storage = open(dir, "").get(0);
    assertThat(Await.failure(storage.getOutboundNeedSync(0))).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("limit");
    assertThat(Await.failure(storage.getInboundNeedSync(-1))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.failure(storage.listManifests(null, 0))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.failure(storage.promoteChunkToBlock(null)))
        .isInstanceOf(InvalidRequestException.class);
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b, INV-5: the backlog counts the entries needing sync, dirty ones included, and the bytes of the chunks not yet promoted")
  void backlogCountsEntriesAndChunkBytes(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir, "cache.max-dirty = 1000");
    WorkspaceStorage pager = storages.get(0);
    WorkspaceStorage writer = writer(storages);
    ChunkId a = ChunkId.random();
    ChunkId b = ChunkId.random();
    Await.result(writer.setChunk(a, new byte[1000]));
    Await.result(writer.setChunk(b, new byte[234]));
    EntryId stored = EntryId.random();
    EntryId dirty = EntryId.random();
    EntryId storedThenSynced = EntryId.random();
    Await.result(writer.setManifest(stored, file(stored, 0, true, List.of(new ChunkRef(a, 0, 1000)))));
    Await.result(writer.setManifest(dirty, file(dirty, 0, true, List.of(new ChunkRef(b, 0, 234))), true, Set.of()));
    Await.result(writer.setManifest(storedThenSynced, file(storedThenSynced, 0, true, List.of())));
    Await.result(writer.setManifest(storedThenSynced, file(storedThenSynced, 1, false, List.of()), true, Set.of()));
    assertThat(Await.result(pager.getOutboundSyncBacklog())).isEqualTo(new SyncBacklog(2, 1234));

    Await.result(pager.promoteChunkToBlock(a));
    assertThat(Await.result(pager.getOutboundSyncBacklog())).isEqualTo(new SyncBacklog(2, 234));
    Await.result(writer.setManifest(dirty, file(dirty, 1, false, List.of()), true, Set.of()));
    Await.result(writer.setManifest(stored, file(stored, 1, false, List.of())));
    Await.result(pager.promoteChunkToBlock(b));
    assertThat(Await.result(pager.getOutboundSyncBacklog())).as("all synced and promoted").isEqualTo(new SyncBacklog(0, 0));
    storages.forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("SPEC 6b: promoting a chunk moves its data to the block cache and out of the chunks; a missing chunk is an EntryMissingException and changes nothing")
  void promoteMovesAChunkToTheBlockCache(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir, "");
    WorkspaceStorage storage = storages.get(0);
    ChunkId id = ChunkId.random();
    byte[] data = "uploaded chunk".getBytes();
    Await.result(writer(storages).setChunk(id, data));
    Await.result(storage.promoteChunkToBlock(id));
    assertThat(Await.result(storage.getBlock(id))).isEqualTo(data);
    assertThat(Await.failure(storage.getChunk(id))).isInstanceOf(EntryMissingException.class);
    assertThat(Await.result(storage.getLocalChunkIds(List.of(id)))).isEmpty();

    assertThat(Await.failure(storage.promoteChunkToBlock(id))).as("promoted already")
        .isInstanceOf(EntryMissingException.class);
    assertThat(Await.result(storage.getBlock(id))).as("the block stays").isEqualTo(data);
    ChunkId never = ChunkId.random();
    assertThat(Await.failure(storage.promoteChunkToBlock(never))).isInstanceOf(EntryMissingException.class);
    assertThat(Await.failure(storage.getBlock(never))).isInstanceOf(EntryMissingException.class);
    storages.forEach(s -> Await.result(s.close()));
  }
}
