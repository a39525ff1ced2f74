package dev.stowage.app.check;

import dev.stowage.app.CliError;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Garbage collection of a local workspace's orphan chunks ({@code stowage gc --dir}), offline: the
 * chunks of the data database that no stored manifest references, uploaded or not, and that were
 * written before {@code before} (now minus the grace period), are deleted in one transaction. The
 * local counterpart of cluster mode's {@code OrphanChunks}.
 *
 * <p>Where orphans come from: a caller writes a chunk, then the manifest that references it (INV-1);
 * one that stops in between (a crash, a killed sync) leaves the chunk. A backup restored from a
 * busy workspace holds the chunks of writes whose manifests it does not.
 *
 * <p>Age: a chunk's write time is its {@code accessed_on} ({@code setChunk} records it). Chunks
 * written before Stowage recorded it have 0 there and count as older than any grace period. The
 * grace keeps the chunks of a caller that may still write their manifest: one that resumes an
 * interrupted write after a restart.
 *
 * <p>Safety: the databases are opened as Stowage opens them, so a workspace open in a running
 * program is refused (nothing cached in its memory can be missed). A manifest that does not
 * decrypt or decode could reference any chunk: then nothing is deleted, and the error says to run
 * {@code fsck --repair} first, which quarantines it.
 */
public final class LocalOrphanChunks {
  private LocalOrphanChunks() {}

  /**
   * What one collection found and did.
   *
   * @param manifests stored manifests read
   * @param referencedChunks distinct chunks they reference
   * @param orphans stored chunks none of them references
   * @param deleted orphans written before the grace period, deleted
   * @param undated of the deleted, those with no write time (written before one was recorded)
   */
  public record Result(int manifests, int referencedChunks, int orphans, int deleted, int undated) {
    /** Orphans kept because they are younger than the grace period. */
    public int young() {
      return orphans - deleted;
    }
  }

  /**
   * Deletes the orphan chunks of {@code workspaceDir} written before {@code before}.
   *
   * @throws CliError if it cannot run: wrong key, database locked or in use, damaged, schema newer
   *     than this code, or a manifest that does not read
   */
  public static Result collect(Path workspaceDir, BlobCipher cipher, Instant before) {
    try (DataStore data = StoreOpener.data(workspaceDir, cipher)) {
      Set<ChunkId> referenced = new HashSet<>();
      int[] manifests = {0};
      List<String> unreadable = new ArrayList<>();
      data.vlobs().forEach(row -> {
        manifests[0]++;
        try {
          LocalManifest manifest = ManifestCodec.decode(cipher.open(row.id(), row.blob()));
          if (manifest instanceof FileManifest file) {
            file.chunks().stream().map(ChunkRef::id).forEach(referenced::add);
          }
        } catch (CorruptEntryException e) {
          unreadable.add("manifest " + row.id());
        }
      });
      if (!unreadable.isEmpty()) {
        throw new CliError(unreadable.size() + " manifest(s) of workspace " + workspaceDir.getFileName()
            + " do not read (" + unreadable.get(0) + (unreadable.size() > 1 ? ", ..." : "") + "), so which chunks"
            + " they reference is unknown: nothing was deleted; run fsck --repair first, which quarantines them");
      }
      Set<ChunkId> orphans = new HashSet<>(data.chunks().allIds());
      orphans.removeAll(referenced);
      Set<ChunkId> old = data.chunks().idsAccessedBefore(before.toEpochMilli() / 1000.0);
      old.retainAll(orphans);
      Set<ChunkId> undated = data.chunks().idsAccessedBefore(Double.MIN_VALUE);
      undated.retainAll(old);
      // The workspace is closed and locked for us: nothing can come between the reads and the delete.
      data.database().begin();
      int deleted = data.chunks().deleteAll(List.copyOf(old));
      data.database().commit();
      return new Result(manifests[0], referenced.size(), orphans.size(), deleted, undated.size());
    } catch (StorageFailedException e) {
      if (StoreOpener.isDamage(e)) {
        throw new CliError(StoreOpener.describeDamage(DatabaseKind.DATA.fileName(), e) + ": nothing was deleted; run"
            + " fsck, which says what to do", e);
      }
      throw e;
    }
  }
}
