package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The data database of a workspace ({@code data_v1.sqlite}) and its tables: manifests, realm
 * checkpoint, prevent-sync pattern, chunks, and the quarantine of {@code fsck --repair}. Owned by one thread, like its {@link LocalDatabase}.
 * The operations that must be atomic are single methods here, to be called inside one transaction.
 */
public final class DataStore implements Store {
  private final LocalDatabase db;
  private final VlobTable vlobs;
  private final ChunkTable chunks;
  private final RealmCheckpointTable checkpoint;
  private final PreventSyncPatternTable preventSync;
  private final QuarantineTable quarantine;

  private DataStore(LocalDatabase db) {
    this.db = db;
    this.vlobs = new VlobTable(db);
    this.chunks = new ChunkTable(db);
    this.checkpoint = new RealmCheckpointTable(db);
    this.preventSync = new PreventSyncPatternTable(db);
    this.quarantine = new QuarantineTable(db);
  }

  /** The schema version of the data database this code writes (and migrates older files to). */
  public static int schemaVersion() {
    return Schema.latest(DatabaseKind.DATA);
  }

  /**
   * Opens the data database of {@code workspaceDir} on the calling thread and checks {@code
   * cipher}'s key against it.
   */
  public static DataStore open(Path workspaceDir, Durability durability, BlobCipher cipher) {
    return open(workspaceDir, durability, cipher, false);
  }

  /** Opens the writer; with {@code readersCheckpoint}, a reader checkpoints the WAL (see {@link LocalDatabase}). */
  public static DataStore open(Path workspaceDir, Durability durability, BlobCipher cipher, boolean readersCheckpoint) {
    LocalDatabase db = LocalDatabase.open(workspaceDir, DatabaseKind.DATA, durability, readersCheckpoint);
    try {
      KeyCheck.verifyOrStore(db, cipher);
      return new DataStore(db);
    } catch (RuntimeException e) {
      if (!db.isClosed()) {
        db.close();
      }
      throw e;
    }
  }

  /**
   * Opens a reader of the data database of {@code workspaceDir} on the calling thread (the writer
   * opened it first and checked the key): its tables answer reads only.
   */
  public static DataStore openReader(Path workspaceDir) {
    return new DataStore(LocalDatabase.openReader(workspaceDir, DatabaseKind.DATA));
  }

  /**
   * Writes a manifest and deletes the chunks it no longer references, in the caller's transaction
   * (INV-2): both commit or neither does.
   */
  public void putManifest(
      EntryId id, long baseVersion, boolean needSync, byte[] sealedBlob, Collection<ChunkId> removedChunks) {
    vlobs.put(id, baseVersion, needSync, sealedBlob);
    chunks.deleteAll(removedChunks);
  }

  /**
   * Deletes a manifest and the chunks it had pending for removal, in the caller's transaction.
   *
   * @return whether a row was stored
   */
  public boolean deleteManifest(EntryId id, Collection<ChunkId> removedChunks) {
    boolean existed = vlobs.delete(id);
    chunks.deleteAll(removedChunks);
    if (existed) {
      quarantine.stopFetching(id); // a cleared entry is not fetched back (see QuarantineTable)
    }
    return existed;
  }

  /** The first {@code limit} ids of {@link #remoteNeedSync()}, ascending. */
  public List<EntryId> remoteNeedSyncPage(int limit) {
    TreeSet<EntryId> ids = new TreeSet<>(vlobs.remoteNeedSyncPage(limit));
    ids.addAll(quarantine.toFetchAgain()); // few: what fsck --repair could not read
    return ids.stream().limit(limit).toList();
  }

  /**
   * The remote part of need-sync: stored rows whose {@code base_version != remote_version}, and
   * quarantined manifests to fetch again, while none is stored under their id ({@link
   * QuarantineTable}).
   */
  public Set<EntryId> remoteNeedSync() {
    Set<EntryId> remote = new HashSet<>(vlobs.remoteNeedSync());
    remote.addAll(quarantine.toFetchAgain());
    return remote;
  }

  /**
   * Moves the manifest row of {@code id} into the quarantine, its bytes and columns unchanged, in
   * the caller's transaction; with {@code fetchAgain}, it is reported in remote need-sync if its
   * base version is on the server.
   *
   * @return whether there was a row to move
   */
  public boolean quarantineManifest(EntryId id, String reason, boolean fetchAgain, Instant at) {
    return quarantine.copyManifest(id, reason, fetchAgain, at) && vlobs.delete(id);
  }

  /**
   * Moves the chunk row of {@code id} into the quarantine, its bytes unchanged, in the caller's
   * transaction.
   *
   * @return whether there was a row to move
   */
  public boolean quarantineChunk(ChunkId id, String reason, Instant at) {
    return quarantine.copyChunk(id, reason, at) && chunks.delete(id);
  }

  /**
   * Raises {@code remote_version} of the existing rows among {@code changed} and stores the
   * checkpoint, in the caller's transaction (INV-15).
   */
  public Set<EntryId> updateRealmCheckpoint(long newCheckpoint, Map<EntryId, Long> changed) {
    Set<EntryId> raised = vlobs.raiseRemoteVersions(changed);
    checkpoint.set(newCheckpoint);
    return raised;
  }

  @Override
  public LocalDatabase database() {
    return db;
  }

  public VlobTable vlobs() {
    return vlobs;
  }

  public ChunkTable chunks() {
    return chunks;
  }

  public RealmCheckpointTable realmCheckpoint() {
    return checkpoint;
  }

  public PreventSyncPatternTable preventSyncPattern() {
    return preventSync;
  }

  public QuarantineTable quarantine() {
    return quarantine;
  }

  @Override
  public void close() {
    db.close();
  }
}
