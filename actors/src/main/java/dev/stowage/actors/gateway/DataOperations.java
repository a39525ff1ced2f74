package dev.stowage.actors.gateway;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.storage.DataStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;

/**
 * Every operation on a workspace's data database ({@link DataStore}): chunks, the need-sync rows,
 * the realm checkpoint and the prevent-sync pattern. (A manifest's load and flush are the entity's,
 * in {@link dev.stowage.actors.entity.GatewayManifestBackend}.)
 */
public final class DataOperations {
  private DataOperations() {}

  /** The stored, sealed rows behind a need-sync query. */
  public record NeedSyncRows(Set<EntryId> local, Set<EntryId> remote) {}

  public static StoreOperation<DataStore, byte[]> getChunk(ChunkId id) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "get chunk",
        store -> store.chunks().get(id).orElseThrow(() -> EntryMissingException.chunk(id)));
  }

  /**
   * Stores a chunk with its write time in {@code accessed_on} (seconds since the epoch), by which
   * {@code stowage gc} keeps an unreferenced chunk younger than its grace period: its manifest may
   * still come. Taken when the write runs, as a block's recency is.
   */
  public static StoreOperation<DataStore, Done> putChunk(ChunkId id, int plainSize, byte[] sealed) {
    return StoreOperation.write("set chunk",
        store -> store.chunks().put(id, plainSize, sealed, System.currentTimeMillis() / 1000.0));
  }

  /** Fails with {@link EntryMissingException} if there is no such chunk (INV-14). */
  public static StoreOperation<DataStore, Done> deleteChunk(ChunkId id) {
    return StoreOperation.write("clear chunk", store -> {
      if (!store.chunks().delete(id)) {
        throw EntryMissingException.chunk(id);
      }
    });
  }

  public static StoreOperation<DataStore, Set<ChunkId>> presentChunks(List<ChunkId> ids) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "get local chunk ids", store -> store.chunks().presentAmong(ids));
  }

  public static StoreOperation<DataStore, NeedSyncRows> needSync() {
    return new StoreOperation<>(StoreOperation.Mode.READ, "need-sync",
        store -> new NeedSyncRows(store.vlobs().localNeedSync(), store.remoteNeedSync()));
  }

  /** The stored side of a backlog: the need-sync count, which of the dirty ids are among it, the chunks' bytes. */
  public record StoredBacklog(long needSync, Set<EntryId> needSyncAmongDirty, long chunkBytes) {}

  public static StoreOperation<DataStore, List<EntryId>> outboundPage(int limit) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "outbound need-sync page",
        store -> store.vlobs().localNeedSyncPage(limit));
  }

  public static StoreOperation<DataStore, List<EntryId>> inboundPage(int limit) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "inbound need-sync page",
        store -> store.remoteNeedSyncPage(limit));
  }

  public static StoreOperation<DataStore, List<EntryId>> manifestPage(EntryId after, int limit) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "list manifests", store -> store.vlobs().idsAfter(after, limit));
  }

  public static StoreOperation<DataStore, StoredBacklog> backlog(Set<EntryId> dirty) {
    return new StoreOperation<>(StoreOperation.Mode.READ, "outbound sync backlog",
        store -> new StoredBacklog(store.vlobs().localNeedSyncCount(), store.vlobs().localNeedSyncAmong(dirty),
            store.chunks().totalSize()));
  }

  public static StoreOperation<DataStore, Long> realmCheckpoint() {
    return new StoreOperation<>(StoreOperation.Mode.READ, "get realm checkpoint", store -> store.realmCheckpoint().get());
  }

  /** Answers the ids whose remote version rose. */
  public static StoreOperation<DataStore, Set<EntryId>> updateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changed) {
    return new StoreOperation<>(StoreOperation.Mode.WRITE, "update realm checkpoint",
        store -> store.updateRealmCheckpoint(checkpoint, changed));
  }

  public static StoreOperation<DataStore, PreventSyncPattern> preventSyncPattern() {
    return new StoreOperation<>(StoreOperation.Mode.READ, "get prevent-sync pattern", store -> {
      var state = store.preventSyncPattern().get();
      return new PreventSyncPattern(state.pattern(), state.fullyApplied());
    });
  }

  public static StoreOperation<DataStore, Done> setPreventSyncPattern(String regex) {
    return StoreOperation.write("set prevent-sync pattern", store -> store.preventSyncPattern().set(regex));
  }

  public static StoreOperation<DataStore, Done> markPreventSyncPatternFullyApplied(String regex) {
    return StoreOperation.write("mark prevent-sync pattern applied",
        store -> store.preventSyncPattern().markFullyApplied(regex));
  }
}
