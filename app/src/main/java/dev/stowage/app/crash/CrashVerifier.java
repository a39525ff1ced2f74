package dev.stowage.app.crash;

import dev.stowage.app.ChunkContent;
import dev.stowage.app.check.WorkspaceCheck;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.BlobCipher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Checks a workspace reopened after its writer was killed, against the writer's {@link AckLog}:
 *
 * <ul>
 *   <li>INV-8: every acknowledged manifest version, or a newer one, is stored — or, after a power
 *       cut with {@code durability = normal}, every one acknowledged before the last sync of the
 *       write-ahead log (a later one may be lost: that is the setting's promise);
 *   <li>tree transactions ({@link TreeCheck}): each stored whole or not at all, none acknowledged
 *       lost (as above), every file in exactly one folder;
 *   <li>everything {@code fsck} checks ({@link WorkspaceCheck}): INV-1 (no dangling chunk
 *       reference), INV-9 (every row decrypts and decodes, {@code PRAGMA integrity_check} is ok),
 *       INV-13 (the block cache within its limit) — and, since the workload's payloads follow from
 *       their ids ({@link ChunkContent}), that every chunk and block holds exactly what was written.
 * </ul>
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
   */
  record Report(int acknowledged, int lost, int lostPromised, int unsynced, int dangling, int undecryptable,
      int integrityFailures, int transactions, int torn, List<String> problems) {
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
    List<String[]> lines = AckLog.read(ackLog);
    for (String[] line : lines) {
      if (line[0].equals("P")) {
        continue; // a tree transaction sent, not yet acknowledged
      }
      acknowledged++;
      if (line[0].equals("M")) {
        manifestAcks.add(line);
      }
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
    TreeCheck.Result tree = TreeCheck.check(workspaceDir, cipher, lines, mayLoseAfterNanos);
    problems.addAll(tree.problems());
    lost += tree.lost();
    lostPromised += tree.lostPromised();
    unsynced += tree.unsynced();
    return new Report(acknowledged, lost, lostPromised, unsynced,
        (int) check.count(WorkspaceCheck.Kind.DANGLING),
        (int) (check.count(WorkspaceCheck.Kind.UNREADABLE) + check.count(WorkspaceCheck.Kind.CONTENT)),
        (int) (check.count(WorkspaceCheck.Kind.INTEGRITY) + check.count(WorkspaceCheck.Kind.BLOCK_LIMIT)),
        tree.acknowledged(), tree.torn(), problems);
  }
}
