package dev.stowage.app.check;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.ChunkTable;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.VlobTable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code stowage fsck --repair}: puts what {@link WorkspaceCheck} finds out of the way, so that the
 * workspace opens and works, and removes nothing anybody could still read.
 *
 * <ul>
 *   <li>A manifest that does not decrypt (changed bytes, a row copied onto another id) or decode,
 *       a chunk that does not decrypt, and a file manifest whose chunks not yet uploaded are gone
 *       or do not decrypt (INV-1) are moved
 *       into the data database's {@code quarantine} table, with their original encrypted bytes,
 *       their columns, the reason and the time, in one transaction. A quarantined manifest whose
 *       base version is on the server ({@code base_version > 0}) is marked to be fetched again:
 *       need-sync reports it as remote until the host's sync engine, finding it missing, has
 *       downloaded and stored it. One never uploaded ({@code base_version = 0}) has nothing to
 *       fetch: the line says it is lost, and the quarantine keeps its bytes. A file whose only
 *       missing chunks are uploaded ones is left alone: the server has them, and the host fetches
 *       them again as blocks.
 *   <li>Blocks are a cache of downloaded content: one that does not decrypt is deleted, blocks
 *       past the cache's limit are evicted (least recently used first), and a cache file that is
 *       not a sound database is deleted (the next open makes an empty one). Each is reported. The
 *       limit is the one the workspace records, or the caller's ({@link JudgedLimit}); with
 *       neither, no block is dropped for a limit: a repair never deletes on the strength of a
 *       setting it cannot know belongs to the workspace.
 *   <li>A data file that SQLite reports damaged ({@code integrity_check}) is not something row
 *       moves can mend: it is left as it is and reported, with the way out (a restore).
 * </ul>
 *
 * The databases are opened as Stowage opens them (exclusive lock, key check), on the calling
 * thread, so a workspace open in a running program is refused. Running it again finds nothing to
 * do.
 */
public final class WorkspaceRepair {

  /**
   * What a repair did.
   *
   * @param actions one line per thing done
   * @param left what it could not repair, one line each
   */
  public record Result(Path workspace, List<String> actions, List<String> left, int manifestsQuarantined,
      int toFetchAgain, int chunksQuarantined, long blocksDropped, boolean cacheDropped) {
    public boolean nothingDone() {
      return actions.isEmpty();
    }
  }

  private final Path workspaceDir;
  private final BlobCipher cipher;
  private final OptionalLong blockLimit;
  private final Instant now;
  private final List<String> actions = new ArrayList<>();
  private final List<String> left = new ArrayList<>();
  private int manifestsQuarantined;
  private int toFetchAgain;
  private int chunksQuarantined;
  private long blocksDropped;
  private boolean cacheDropped;

  private WorkspaceRepair(Path workspaceDir, BlobCipher cipher, OptionalLong blockLimit, Instant now) {
    this.workspaceDir = workspaceDir;
    this.cipher = cipher;
    this.blockLimit = blockLimit;
    this.now = now;
  }

  /**
   * Repairs {@code workspaceDir}; {@code now} is the time recorded in the quarantine.
   *
   * @param blockLimit the limit to evict the block cache down to; empty: the one the workspace
   *     records, if any
   * @throws dev.stowage.app.CliError if it cannot run: wrong key, database locked or in use,
   *     schema newer than this code
   */
  public static Result run(Path workspaceDir, BlobCipher cipher, OptionalLong blockLimit, Instant now) {
    WorkspaceRepair repair = new WorkspaceRepair(workspaceDir, cipher, blockLimit, now);
    repair.repairData();
    repair.repairCache();
    return new Result(workspaceDir, List.copyOf(repair.actions), List.copyOf(repair.left), repair.manifestsQuarantined,
        repair.toFetchAgain, repair.chunksQuarantined, repair.blocksDropped, repair.cacheDropped);
  }

  // ---------------------------------------------------------------------------------------------
  // Data database

  /** A manifest row to quarantine, and why. */
  private record ToQuarantine(VlobTable.Row row, String reason) {}

  private void repairData() {
    String file = DatabaseKind.DATA.fileName();
    try (DataStore data = StoreOpener.data(workspaceDir, cipher)) {
      String integrity = data.database().integrityCheck();
      if (!integrity.equals("ok")) {
        left.add(file + ": PRAGMA integrity_check reports " + IntegrityReport.problems(integrity)
            + " problem(s); moving rows cannot mend a damaged file");
        return;
      }
      repairRows(data);
    } catch (StorageFailedException e) {
      if (!StoreOpener.isDamage(e)) {
        throw e;
      }
      left.add(StoreOpener.describeDamage(file, e) + "; moving rows cannot mend a damaged file");
    }
  }

  private void repairRows(DataStore data) {
    Map<ChunkId, String> badChunks = new TreeMap<>(Comparator.comparing(ChunkId::toString));
    for (ChunkId id : data.chunks().allIds()) {
      Optional<byte[]> sealed = data.chunks().get(id);
      try {
        sealed.ifPresent(bytes -> cipher.open(BlobCipher.Kind.CHUNK, id, bytes));
      } catch (CorruptEntryException e) {
        badChunks.put(id, reason(e, "chunk " + id + " "));
      }
    }
    Map<EntryId, ToQuarantine> quarantine = new TreeMap<>(Comparator.comparing(EntryId::toString));
    Map<EntryId, VlobTable.Row> files = new TreeMap<>(Comparator.comparing(EntryId::toString));
    // The chunks each file needs stored: those not yet uploaded (INV-1); the server has the others.
    Map<EntryId, List<ChunkId>> references = new TreeMap<>(Comparator.comparing(EntryId::toString));
    data.vlobs().forEach(row -> {
      try {
        LocalManifest manifest = ManifestCodec.decode(cipher.open(row.id(), row.blob()));
        if (manifest instanceof FileManifest file) {
          files.put(row.id(), row);
          references.put(row.id(), file.chunks().stream().filter(ref -> !ref.uploaded()).map(ChunkRef::id).toList());
        }
      } catch (CorruptEntryException e) {
        quarantine.put(row.id(), new ToQuarantine(row, reason(e, "manifest " + row.id() + " ")));
      }
    });
    Set<ChunkId> referenced = new HashSet<>();
    references.values().forEach(referenced::addAll);
    Set<ChunkId> readable = data.chunks().presentAmong(referenced);
    readable.removeAll(badChunks.keySet());
    references.forEach((id, chunks) -> chunks.stream().filter(chunk -> !readable.contains(chunk)).findFirst()
        .ifPresent(missing -> quarantine.put(id, new ToQuarantine(files.get(id), "the file references chunk " + missing
            + (badChunks.containsKey(missing) ? ", which does not decrypt (quarantined with it)"
                : ", which is not uploaded and not stored")
            + (chunks.stream().filter(chunk -> !readable.contains(chunk)).count() > 1 ? ", and others" : "")))));
    if (badChunks.isEmpty() && quarantine.isEmpty()) {
      return;
    }
    data.database().begin();
    badChunks.forEach((id, reason) -> {
      if (data.quarantineChunk(id, reason, now)) {
        chunksQuarantined++;
        actions.add("quarantined chunk " + id + ": " + reason + "; its bytes stay in the quarantine");
      }
    });
    quarantine.forEach((id, moved) -> {
      if (data.quarantineManifest(id, moved.reason(), true, now)) {
        manifestsQuarantined++;
        actions.add("quarantined manifest " + id + ": " + moved.reason() + "; " + afterwards(moved.row()));
      }
    });
    data.database().commit();
  }

  /** What becomes of a quarantined manifest: fetched again, or lost (but kept in the quarantine). */
  private String afterwards(VlobTable.Row row) {
    if (row.baseVersion() > 0) {
      toFetchAgain++;
      return "marked to fetch again: version " + row.baseVersion() + " is on the server, need-sync reports it as remote"
          + (row.needSync() ? " (its local changes since were not uploaded: they are lost)" : "");
    }
    return "nothing to fetch: it was never uploaded (base version 0), so its content is lost";
  }

  /** The message of {@code e} without the row it names first ("manifest X does not decrypt" → "does not decrypt"). */
  private static String reason(CorruptEntryException e, String prefix) {
    String message = String.valueOf(e.getMessage());
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  // ---------------------------------------------------------------------------------------------
  // Cache database

  private void repairCache() {
    String file = DatabaseKind.CACHE.fileName();
    Optional<CacheStore> opened;
    try {
      opened = StoreOpener.cache(workspaceDir, cipher);
    } catch (StorageFailedException e) {
      if (!StoreOpener.isDamage(e)) {
        throw e;
      }
      dropCache(StoreOpener.describeDamage(file, e));
      return;
    }
    if (opened.isEmpty()) {
      return;
    }
    String damage = null;
    try (CacheStore cache = opened.get()) {
      String integrity = cache.database().integrityCheck();
      if (!integrity.equals("ok")) {
        damage = file + ": PRAGMA integrity_check reports " + IntegrityReport.problems(integrity) + " problem(s)";
      } else {
        repairBlocks(cache);
      }
    } catch (StorageFailedException e) {
      if (!StoreOpener.isDamage(e)) {
        throw e;
      }
      damage = StoreOpener.describeDamage(file, e);
    }
    if (damage != null) {
      dropCache(damage);
    }
  }

  private void repairBlocks(CacheStore cache) {
    ChunkTable table = cache.blocks().table();
    Map<ChunkId, String> bad = new TreeMap<>(Comparator.comparing(ChunkId::toString));
    for (ChunkId id : table.allIds()) {
      try {
        table.get(id).ifPresent(bytes -> cipher.open(BlobCipher.Kind.BLOCK, id, bytes));
      } catch (CorruptEntryException e) {
        bad.put(id, reason(e, "block " + id + " "));
      }
    }
    JudgedLimit limit = JudgedLimit.of(blockLimit, cache.recordedBlockLimit());
    long over = limit.blocks().isPresent() ? table.count() - bad.size() - limit.blocks().getAsLong() : 0;
    if (bad.isEmpty() && over <= 0) {
      return;
    }
    cache.database().begin();
    bad.forEach((id, reason) -> {
      if (table.delete(id)) {
        blocksDropped++;
        actions.add("dropped block " + id + ": " + reason + "; blocks are a cache, fetched again on demand");
      }
    });
    if (over > 0) {
      int evicted = table.deleteLeastRecentlyAccessed(over);
      blocksDropped += evicted;
      actions.add("dropped " + evicted + " blocks over the cache's limit of " + limit.blocks().getAsLong() + " ("
          + limit.source() + "), least recently used first; fetched again on demand");
    }
    cache.database().commit();
  }

  private void dropCache(String why) {
    CacheStore.discard(workspaceDir);
    cacheDropped = true;
    actions.add("dropped the block cache: " + why + "; the next open makes an empty one, blocks are fetched again");
  }
}
