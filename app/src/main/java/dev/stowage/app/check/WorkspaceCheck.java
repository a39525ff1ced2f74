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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a closed workspace offline, the checks of {@code stowage fsck}:
 *
 * <ul>
 *   <li>INV-9: {@code PRAGMA integrity_check} is ok on both database files; every manifest, chunk
 *       and block decrypts with the key, and every manifest decodes;
 *   <li>INV-1: every chunk a stored {@link FileManifest} references that is not yet uploaded
 *       ({@link ChunkRef#uploaded()} false) is stored in the chunks. An uploaded one is on the
 *       server: its local copy may be in the chunks (not promoted yet), in the block cache, or
 *       nowhere (evicted), and none of these is a finding;
 *   <li>INV-13: the block cache holds no more blocks than its limit: the one the workspace records,
 *       or the one the caller gives ({@link JudgedLimit}); with neither, the blocks are counted and
 *       not judged.
 * </ul>
 *
 * It also counts the orphan chunks: chunks in the data database that no stored manifest references,
 * uploaded or not (written by a caller that crashed before its manifest, or left by a restore of a
 * backup taken mid-run). They are not a finding: they lose no data, they only take room, and
 * {@code stowage gc} reclaims them. A manifest that does not read may reference some of them: the
 * result says how many manifests did not read.
 *
 * <p>Runs on the calling thread, which owns the connections while it runs. The databases are opened
 * as Stowage opens them, so a workspace open in a running program is refused, not read under it.
 */
public final class WorkspaceCheck {

  /** What a finding is about. */
  public enum Kind {
    /** A database file that SQLite reports damaged, or that cannot be opened as a database. */
    INTEGRITY,
    /** A row that does not decrypt with the key, or a manifest that does not decode. */
    UNREADABLE,
    /** A file manifest referencing a chunk not yet uploaded that is not stored (INV-1). */
    DANGLING,
    /** More blocks stored than the cache's limit (INV-13). */
    BLOCK_LIMIT,
    /** A payload that decrypts but is not what its writer stored (only with a {@link PayloadCheck}). */
    CONTENT
  }

  /**
   * One problem, in words.
   *
   * @param details lines that say more, bounded (SQLite's integrity_check report, summarized)
   */
  public record Finding(Kind kind, String message, List<String> details) {
    public Finding {
      details = List.copyOf(details);
    }

    public Finding(Kind kind, String message) {
      this(kind, message, List.of());
    }

    @Override
    public String toString() {
      return kind.name().toLowerCase().replace('_', '-') + ": " + message;
    }
  }

  /**
   * A check that could not read a file to its end: what it was doing and why it stopped.
   *
   * @param file the database file
   * @param doing what it was doing, e.g. "reading chunks"
   * @param damage the damage, in words
   */
  public record Stop(String file, String doing, String damage) {}

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
   * @param blocks the block cache's count and limit, if the cache could be read
   * @param damaged the database files SQLite reports damaged (data_v1.sqlite, cache_v1.sqlite)
   * @param stops where the check stopped before the end of a file; empty if it read everything
   * @param orphans the chunks no stored manifest references (not findings)
   * @param uploadedNotKept uploaded chunks that files reference and that are neither in the chunks
   *     nor in the block cache (evicted, or never fetched: not findings), each with a file
   *     referencing it
   * @param blocksStored the ids of the blocks in the cache (empty if it could not be read)
   */
  public record Result(Path workspace, Map<EntryId, Long> manifestVersions, long rowsChecked, List<Finding> findings,
      Optional<Blocks> blocks, Set<String> damaged, List<Stop> stops, Orphans orphans,
      Map<ChunkId, EntryId> uploadedNotKept, Set<ChunkId> blocksStored) {
    public boolean clean() {
      return findings.isEmpty();
    }

    /** Whether the check read every file to its end. */
    public boolean complete() {
      return stops.isEmpty();
    }

    public long count(Kind kind) {
      return findings.stream().filter(finding -> finding.kind() == kind).count();
    }
  }

  /**
   * The chunks of the data database that no stored manifest references.
   *
   * @param count how many there are
   * @param examples a few of them, at most {@link #EXAMPLES}, in id order
   * @param unreadManifests manifests that did not read: their chunks, if any, are counted here
   */
  public record Orphans(long count, List<ChunkId> examples, long unreadManifests) {
    /** Orphan ids a check keeps, to show. */
    public static final int EXAMPLES = 3;

    static final Orphans NONE = new Orphans(0, List.of(), 0);

    public Orphans {
      examples = List.copyOf(examples);
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
  private final Set<String> damaged = new TreeSet<>();
  private final List<Stop> stops = new ArrayList<>();
  private Orphans orphans = Orphans.NONE;
  /** Uploaded chunks referenced and not in the chunks, each with a file referencing it; then minus the blocks. */
  private final Map<ChunkId, EntryId> uploadedNotKept = new HashMap<>();
  private Set<ChunkId> blocksStored = Set.of();
  /** What the check does now, for the line that says where it stopped. */
  private String doing;

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
        Optional.ofNullable(check.blocks), Set.copyOf(check.damaged), List.copyOf(check.stops), check.orphans,
        Map.copyOf(check.uploadedNotKept), Set.copyOf(check.blocksStored));
  }

  private void checkData() {
    String file = DatabaseKind.DATA.fileName();
    doing = "opening it";
    try (DataStore data = StoreOpener.data(workspaceDir, cipher)) {
      doing = "running its integrity check";
      integrity(file, data.database().integrityCheck());
      doing = "reading manifests";
      // Each chunk with the first file referencing it: those not yet uploaded, and the uploaded ones.
      Map<ChunkId, EntryId> notUploadedBy = new HashMap<>();
      Map<ChunkId, EntryId> uploadedBy = new HashMap<>();
      long[] unreadManifests = {0};
      data.vlobs().forEach(row -> {
        rowsChecked++;
        try {
          LocalManifest manifest = ManifestCodec.decode(cipher.open(row.id(), row.blob()));
          versions.put(row.id(), manifest.baseVersion());
          if (manifest instanceof FileManifest fileManifest) {
            fileManifest.chunks().forEach(ref -> (ref.uploaded() ? uploadedBy : notUploadedBy).putIfAbsent(ref.id(), row.id()));
          }
        } catch (CorruptEntryException e) {
          unreadManifests[0]++;
          findings.add(new Finding(Kind.UNREADABLE, unreadable("manifest " + row.id(), e)));
        }
      });
      doing = "listing chunks";
      Set<ChunkId> stored = data.chunks().allIds();
      notUploadedBy.forEach((chunk, manifest) -> {
        if (!stored.contains(chunk)) {
          findings.add(new Finding(Kind.DANGLING, "file " + manifest + " references chunk " + chunk
              + ", which is not uploaded and not stored"));
        }
      });
      uploadedBy.forEach((chunk, manifest) -> {
        if (!stored.contains(chunk)) {
          uploadedNotKept.put(chunk, manifest);
        }
      });
      List<ChunkId> orphanIds = stored.stream()
          .filter(chunk -> !notUploadedBy.containsKey(chunk) && !uploadedBy.containsKey(chunk))
          .sorted(Comparator.comparing(ChunkId::toString)).toList();
      orphans = new Orphans(orphanIds.size(), orphanIds.subList(0, Math.min(Orphans.EXAMPLES, orphanIds.size())),
          unreadManifests[0]);
      doing = "reading chunks";
      checkPayloads(BlobCipher.Kind.CHUNK, data.chunks(), stored);
    } catch (StorageFailedException e) {
      damaged(file, e);
    }
  }

  private void checkCache() {
    String file = DatabaseKind.CACHE.fileName();
    doing = "opening it";
    try {
      Optional<CacheStore> opened = StoreOpener.cache(workspaceDir, cipher);
      if (opened.isEmpty()) {
        return;
      }
      try (CacheStore cache = opened.get()) {
        doing = "running its integrity check";
        integrity(file, cache.database().integrityCheck());
        doing = "reading blocks";
        JudgedLimit limit = JudgedLimit.of(blockLimit, cache.recordedBlockLimit());
        long count = cache.blocks().count();
        blocks = new Blocks(count, limit);
        if (limit.exceededBy(count)) {
          findings.add(new Finding(Kind.BLOCK_LIMIT, "the block cache holds " + count + " blocks, its limit is "
              + limit.blocks().getAsLong() + " (" + limit.source() + ")"));
        }
        Set<ChunkId> ids = cache.blocks().table().allIds();
        blocksStored = ids;
        uploadedNotKept.keySet().removeAll(ids);
        checkPayloads(BlobCipher.Kind.BLOCK, cache.blocks().table(), ids);
      }
    } catch (StorageFailedException e) {
      damaged(file, e);
    }
  }

  private void checkPayloads(BlobCipher.Kind kind, ChunkTable table, Set<ChunkId> ids) {
    String what = kind.name().toLowerCase();
    for (ChunkId id : ids) {
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
        findings.add(new Finding(Kind.UNREADABLE, unreadable(what + " " + id, e)));
      }
    }
  }

  /** "manifest X does not decrypt: ...", naming the row once (the exception's message may name it already). */
  private static String unreadable(String row, CorruptEntryException e) {
    String message = String.valueOf(e.getMessage());
    return message.startsWith(row) ? message : row + ": " + message;
  }

  private void integrity(String file, String result) {
    if (!result.equals("ok")) {
      damaged.add(file);
      int problems = IntegrityReport.problems(result);
      findings.add(new Finding(Kind.INTEGRITY, file + ": PRAGMA integrity_check reports " + problems + " problem"
          + (problems == 1 ? "" : "s") + (problems >= 100 ? " (it stops at 100)" : "") + ":",
          IntegrityReport.summarize(result)));
    }
  }

  /** A file SQLite cannot read on: a finding, and the check of that file ends here. */
  private void damaged(String file, StorageFailedException e) {
    if (!StoreOpener.isDamage(e)) {
      throw e; // not a finding about the file: let the command report it as an error
    }
    String damage = StoreOpener.describeDamage(file, e);
    damaged.add(file);
    stops.add(new Stop(file, doing, damage));
    findings.add(new Finding(Kind.INTEGRITY, damage + ", while " + doing + ": the check of " + file
        + " stopped there"));
  }
}
