package dev.stowage.app.crash;

import dev.stowage.app.ChunkContent;
import dev.stowage.app.check.WorkspaceCheck;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.BlobCipher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a workspace reopened after its writer was killed, against the writer's {@link AckLog}:
 *
 * <ul>
 *   <li>INV-8: every acknowledged manifest version, or a newer one, is stored — or, after a power
 *       cut with {@code durability = normal}, every one acknowledged before the last sync of the
 *       write-ahead log (a later one may be lost: that is the setting's promise);
 *   <li>tree transactions ({@link TreeCheck}): each stored whole or not at all, none acknowledged
 *       lost (as above), every file in exactly one folder;
 *   <li>everything {@code fsck} checks ({@link WorkspaceCheck}): INV-1 (every chunk a stored file
 *       references that is not yet uploaded is stored), INV-9 (every row decrypts and decodes, {@code PRAGMA integrity_check} is ok),
 *       INV-13 (the block cache within its limit) — and, since the workload's payloads follow from
 *       their ids ({@link ChunkContent}), that every chunk and block holds exactly what was written;
 *   <li>SPEC 6b, promotion: a chunk that a stored file references as uploaded is in the chunks (not
 *       promoted yet) or in the block cache, never in neither, unless the LRU may have evicted it.
 * </ul>
 *
 * <p>Eviction, and how the last check tells it apart: the workload's block cache is small (16
 * blocks) so that it evicts all the time, and nothing reads a block, so a block's recency is its
 * insertion order. A promoted chunk X in neither place was evicted only if every block inserted
 * before it was too. So if a block still in the cache was acknowledged ({@code B} or {@code U} in
 * the ack log) before X's promotion was requested ({@code R}), X was promoted to nowhere: counted
 * as dangling. After a power cut at {@code durability = normal} the check is off: the cache
 * database may lose its last commits (the block) while the data database keeps the later deletion
 * of the chunk, and an uploaded chunk is on the server anyway, so that loses no data.
 */
final class CrashVerifier {
  /** Nothing acknowledged may be lost: a process crash, or a power cut with {@code durability = full}. */
  static final long NOTHING_MAY_BE_LOST = Long.MAX_VALUE;

  /**
   * What one verification found; {@code problems} names each finding.
   *
   * @param lost acknowledged durable manifest writes not stored (each version counts)
   * @param lostPromised those of them the durability setting promised to keep
   * @param unsynced acknowledged durable manifest writes that the setting allowed to lose
   * @param transactions acknowledged tree transactions ({@link TreeCheck}), counted in {@code
   *     acknowledged}, and if lost, in {@code lost}
   * @param torn tree transactions stored half, and breaks of the tree
   * @param dangling references to a chunk not where it must be: not uploaded and not stored (INV-1),
   *     or uploaded and promoted to nowhere
   * @param promoted acknowledged promotions of a chunk to a block (counted in {@code acknowledged})
   */
  record Report(int acknowledged, int lost, int lostPromised, int unsynced, int dangling, int undecryptable,
      int integrityFailures, int transactions, int torn, int promoted, List<String> problems) {
    boolean clean() {
      return lostPromised == 0 && dangling == 0 && undecryptable == 0 && integrityFailures == 0 && torn == 0;
    }
  }

  private static final WorkspaceCheck.PayloadCheck WORKLOAD_CONTENT =
      (kind, id, plaintext) -> Arrays.equals(plaintext, ChunkContent.of(id, plaintext.length));

  private CrashVerifier() {}

  static Report verify(Path workspaceDir, BlobCipher cipher, Path ackLog, long blockLimit) throws IOException {
    return verify(workspaceDir, cipher, ackLog, blockLimit, NOTHING_MAY_BE_LOST);
  }

  /**
   * Verifies, allowing the loss of acknowledged writes whose acknowledgement ({@link
   * System#nanoTime()}) is later than {@code mayLoseAfterNanos}; {@link #NOTHING_MAY_BE_LOST}
   * allows none. An acknowledgement without a time counts as early.
   */
  static Report verify(Path workspaceDir, BlobCipher cipher, Path ackLog, long blockLimit, long mayLoseAfterNanos)
      throws IOException {
    List<String[]> manifestAcks = new ArrayList<>();
    int acknowledged = 0;
    int promoted = 0;
    List<String[]> lines = AckLog.read(ackLog);
    for (String[] line : lines) {
      if (line[0].equals("P") || line[0].equals("R")) {
        continue; // a tree transaction or a promotion requested, not yet acknowledged
      }
      acknowledged++;
      if (line[0].equals("M")) {
        manifestAcks.add(line);
      }
      promoted += line[0].equals("U") ? 1 : 0;
    }
    // The writer's limit is known here (the workload's settings): judge by it, recorded or not.
    WorkspaceCheck.Result check = WorkspaceCheck.run(workspaceDir, cipher, OptionalLong.of(blockLimit), WORKLOAD_CONTENT);
    List<String> problems = new ArrayList<>();
    int lost = 0;
    int lostPromised = 0;
    int unsynced = 0;
    for (String[] ack : manifestAcks) {
      EntryId file = EntryId.parse(ack[1]);
      long version = Long.parseLong(ack[2]);
      long ackedAt = ack.length > 3 ? Long.parseLong(ack[3]) : Long.MIN_VALUE;
      boolean promised = ackedAt <= mayLoseAfterNanos;
      unsynced += promised ? 0 : 1;
      Long stored = check.manifestVersions().get(file);
      if (stored == null || stored < version) {
        lost++;
        if (promised) {
          lostPromised++;
          problems.add("manifest " + file + ": acknowledged version " + version + ", stored "
              + (stored == null ? "nothing" : "version " + stored)
              + (mayLoseAfterNanos == NOTHING_MAY_BE_LOST ? ""
                  : ackedAt == Long.MIN_VALUE ? " (acknowledged at an unknown time)"
                  : String.format(Locale.ROOT, " (acknowledged %.1f ms before the last sync of the WAL)",
                      (mayLoseAfterNanos - ackedAt) / 1e6)));
        }
      }
    }
    check.findings().forEach(finding -> problems.add(finding.toString()));
    List<String> promotedToNowhere = mayLoseAfterNanos == NOTHING_MAY_BE_LOST ? promotedToNowhere(check, lines) : List.of();
    problems.addAll(promotedToNowhere);
    TreeCheck.Result tree = TreeCheck.check(workspaceDir, cipher, lines, mayLoseAfterNanos);
    problems.addAll(tree.problems());
    lost += tree.lost();
    lostPromised += tree.lostPromised();
    unsynced += tree.unsynced();
    return new Report(acknowledged, lost, lostPromised, unsynced,
        (int) check.count(WorkspaceCheck.Kind.DANGLING) + promotedToNowhere.size(),
        (int) (check.count(WorkspaceCheck.Kind.UNREADABLE) + check.count(WorkspaceCheck.Kind.CONTENT)),
        (int) (check.count(WorkspaceCheck.Kind.INTEGRITY) + check.count(WorkspaceCheck.Kind.BLOCK_LIMIT)),
        tree.acknowledged(), tree.torn(), promoted, problems);
  }

  /**
   * The uploaded chunks that stored files reference, that are in neither the chunks nor the block
   * cache, and that the LRU cannot have evicted (see the class comment), one problem each.
   */
  private static List<String> promotedToNowhere(WorkspaceCheck.Result check, List<String[]> lines) {
    Map<String, Integer> requested = new HashMap<>();
    // The first line that acknowledges each block still stored: a block, or a promotion.
    int earliestStoredBlock = Integer.MAX_VALUE;
    Set<String> stored = new HashSet<>();
    check.blocksStored().forEach(block -> stored.add(block.toString()));
    for (int i = 0; i < lines.size(); i++) {
      String[] line = lines.get(i);
      if (line[0].equals("R")) {
        requested.putIfAbsent(line[1], i);
      } else if ((line[0].equals("B") || line[0].equals("U")) && stored.contains(line[1])) {
        earliestStoredBlock = Math.min(earliestStoredBlock, i);
      }
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<ChunkId, EntryId> missing : new TreeMap<>(check.uploadedNotKept()).entrySet()) {
      String chunk = missing.getKey().toString();
      Integer request = requested.get(chunk);
      String where = "file " + missing.getValue() + " references uploaded chunk " + chunk
          + ", which is neither in the chunks nor in the block cache";
      if (request == null) {
        problems.add(where + ", and its promotion was never requested");
      } else if (earliestStoredBlock < request) {
        problems.add(where + ": promoted to nowhere (a block acknowledged before its promotion is still cached, so"
            + " the LRU did not evict it)");
      }
    }
    return problems;
  }
}
