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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Checks a closed workspace offline, the checks of {@code stowage fsck}:
 *
 * <ul>
 *   <li>INV-9: {@code PRAGMA integrity_check} is ok on both database files; every manifest, chunk
 *       and block decrypts with the key, and every manifest decodes;
 *   <li>INV-1: every {@link ChunkRef} of every stored {@link FileManifest} has its chunk;
 *   <li>INV-13: the block cache holds no more blocks than its limit: the one the workspace records,
 *       or the one the caller gives ({@link JudgedLimit}); with neither, the blocks are counted and
 *       not judged.
 * </ul>
 *
 * Runs on the calling thread, which owns the connections while it runs. The databases are opened
 * as Stowage opens them, so a workspace open in a running program is refused, not read under it.
 */
public final class WorkspaceCheck {

  /** What a finding is about. */
  public enum Kind {
    /** A database file that SQLite reports damaged, or that cannot be opened as a database. */
    INTEGRITY,
    /** A row that does not decrypt with the key, or a manifest that does not decode. */
    UNREADABLE,
    /** A file manifest referencing a chunk that is not stored (INV-1). */
    DANGLING,
    /** More blocks stored than the cache's limit (INV-13). */
    BLOCK_LIMIT,
    /** A payload that decrypts but is not what its writer stored (only with a {@link PayloadCheck}). */
    CONTENT
  }

  /** One problem, in words. */
  public record Finding(Kind kind, String message) {
    @Override
    public String toString() {
      return kind.name().toLowerCase().replace('_', '-') + ": " + message;
    }
  }

  /** Knows what a payload should hold; fsck does not, the crash verifier does. */
  @FunctionalInterface
  public interface PayloadCheck {
    PayloadCheck NONE = (kind, id, plaintext) -> true;

    boolean holdsWhatWasWritten(BlobCipher.Kind kind, ChunkId id, byte[] plaintext);
  }

  /**
   * The outcome of a check.
   *
   * @param manifestVersions base version of every manifest that decoded
   * @param rowsChecked manifests, chunks and blocks decrypted
   */
  public record Result(Path workspace, Map<EntryId, Long> manifestVersions, long rowsChecked, List<Finding> findings,
      Optional<Blocks> blocks) {
    public boolean clean() {
      return findings.isEmpty();
    }

    public long count(Kind kind) {
      return findings.stream().filter(finding -> finding.kind() == kind).count();
    }
  }

  /**
   * The block cache's count and the limit it was judged by.
   *
   * @param count blocks stored
   * @param limit the limit, and where it comes from (none: not judged)
   */
  public record Blocks(long count, JudgedLimit limit) {
    @Override
    public String toString() {
      return limit.describe(count);
    }
  }

  private final Path workspaceDir;
  private final BlobCipher cipher;
  private final OptionalLong blockLimit;
  private final PayloadCheck payloads;
  private final Map<EntryId, Long> versions = new LinkedHashMap<>();
  private final List<Finding> findings = new ArrayList<>();
  private long rowsChecked;
  private Blocks blocks;

  private WorkspaceCheck(Path workspaceDir, BlobCipher cipher, OptionalLong blockLimit, PayloadCheck payloads) {
    this.workspaceDir = workspaceDir;
    this.cipher = cipher;
    this.blockLimit = blockLimit;
    this.payloads = payloads;
  }

  /**
   * Checks {@code workspaceDir}.
   *
   * @param blockLimit the limit to judge the block cache by; empty: the one the workspace records
   * @throws dev.stowage.app.CliError if the check cannot run: wrong key, database locked or in
   *     use, schema newer than this code
   */
  public static Result run(Path workspaceDir, BlobCipher cipher, OptionalLong blockLimit, PayloadCheck payloads) {
    WorkspaceCheck check = new WorkspaceCheck(workspaceDir, cipher, blockLimit, payloads);
    check.checkData();
    check.checkCache();
    return new Result(workspaceDir, Map.copyOf(check.versions), check.rowsChecked, List.copyOf(check.findings),
        Optional.ofNullable(check.blocks));
  }

  private void checkData() {
    String file = DatabaseKind.DATA.fileName();
    try (DataStore data = StoreOpener.data(workspaceDir, cipher)) {
      integrity(file, data.database().integrityCheck());
      Map<ChunkId, EntryId> referencedBy = new HashMap<>();
      data.vlobs().forEach(row -> {
        rowsChecked++;
        try {
          LocalManifest manifest = ManifestCodec.decode(cipher.open(row.id(), row.blob()));
          versions.put(row.id(), manifest.baseVersion());
          if (manifest instanceof FileManifest fileManifest) {
            fileManifest.chunks().forEach(ref -> referencedBy.putIfAbsent(ref.id(), row.id()));
          }
        } catch (CorruptEntryException e) {
          findings.add(new Finding(Kind.UNREADABLE, "manifest " + row.id() + ": " + e.getMessage()));
        }
      });
      Set<ChunkId> present = data.chunks().presentAmong(referencedBy.keySet());
      referencedBy.forEach((chunk, manifest) -> {
        if (!present.contains(chunk)) {
          findings.add(new Finding(Kind.DANGLING, "file " + manifest + " references chunk " + chunk + ", which is not stored"));
        }
      });
      checkPayloads(BlobCipher.Kind.CHUNK, data.chunks());
    } catch (StorageFailedException e) {
      damaged(file, e);
    }
  }

  private void checkCache() {
    String file = DatabaseKind.CACHE.fileName();
    try {
      Optional<CacheStore> opened = StoreOpener.cache(workspaceDir, cipher);
      if (opened.isEmpty()) {
        return;
      }
      try (CacheStore cache = opened.get()) {
        integrity(file, cache.database().integrityCheck());
        JudgedLimit limit = JudgedLimit.of(blockLimit, cache.recordedBlockLimit());
        long count = cache.blocks().count();
        blocks = new Blocks(count, limit);
        if (limit.exceededBy(count)) {
          findings.add(new Finding(Kind.BLOCK_LIMIT, "the block cache holds " + count + " blocks, its limit is "
              + limit.blocks().getAsLong() + " (" + limit.source() + ")"));
        }
        checkPayloads(BlobCipher.Kind.BLOCK, cache.blocks().table());
      }
    } catch (StorageFailedException e) {
      damaged(file, e);
    }
  }

  private void checkPayloads(BlobCipher.Kind kind, ChunkTable table) {
    String what = kind.name().toLowerCase();
    for (ChunkId id : table.allIds()) {
      Optional<byte[]> sealed = table.get(id);
      if (sealed.isEmpty()) {
        continue; // deleted since the id scan: impossible offline, harmless anyway
      }
      rowsChecked++;
      try {
        byte[] plaintext = cipher.open(kind, id, sealed.get());
        if (!payloads.holdsWhatWasWritten(kind, id, plaintext)) {
          findings.add(new Finding(Kind.CONTENT, what + " " + id + " does not hold what was written"));
        }
      } catch (CorruptEntryException e) {
        findings.add(new Finding(Kind.UNREADABLE, what + " " + id + ": " + e.getMessage()));
      }
    }
  }

  private void integrity(String file, String result) {
    if (!result.equals("ok")) {
      findings.add(new Finding(Kind.INTEGRITY, file + ": PRAGMA integrity_check says: " + result.replace('\n', ';')));
    }
  }

  private void damaged(String file, StorageFailedException e) {
    if (!StoreOpener.isDamage(e)) {
      throw e; // not a finding about the file: let the command report it as an error
    }
    findings.add(new Finding(Kind.INTEGRITY, file + ": " + e.getMessage()));
  }
}
