package dev.stowage.app.crash;

import dev.stowage.app.ChunkContent;
import dev.stowage.app.check.WorkspaceCheck;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.BlobCipher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a workspace reopened after its writer was killed, against the writer's {@link AckLog}:
 *
 * <ul>
 *   <li>INV-8: every acknowledged manifest version, or a newer one, is stored;
 *   <li>everything {@code fsck} checks ({@link WorkspaceCheck}): INV-1 (no dangling chunk
 *       reference), INV-9 (every row decrypts and decodes, {@code PRAGMA integrity_check} is ok),
 *       INV-13 (the block cache within its limit) — and, since the workload's payloads follow from
 *       their ids ({@link ChunkContent}), that every chunk and block holds exactly what was written.
 * </ul>
 */
final class CrashVerifier {

  /** What one verification found; {@code problems} names each finding. */
  record Report(int acknowledged, int lost, int dangling, int undecryptable, int integrityFailures, List<String> problems) {
    boolean clean() {
      return lost == 0 && dangling == 0 && undecryptable == 0 && integrityFailures == 0;
    }
  }

  private static final WorkspaceCheck.PayloadCheck WORKLOAD_CONTENT =
      (kind, id, plaintext) -> Arrays.equals(plaintext, ChunkContent.of(id, plaintext.length));

  private CrashVerifier() {}

  static Report verify(Path workspaceDir, BlobCipher cipher, Path ackLog, long blockLimit) throws IOException {
    Map<EntryId, Long> acknowledgedVersions = new HashMap<>();
    int acknowledged = 0;
    for (String[] line : AckLog.read(ackLog)) {
      acknowledged++;
      if (line[0].equals("M")) {
        acknowledgedVersions.merge(EntryId.parse(line[1]), Long.parseLong(line[2]), Math::max);
      }
    }
    WorkspaceCheck.Result check = WorkspaceCheck.run(workspaceDir, cipher, blockLimit, WORKLOAD_CONTENT);
    List<String> problems = new ArrayList<>();
    int lost = 0;
    for (Map.Entry<EntryId, Long> acked : acknowledgedVersions.entrySet()) {
      Long stored = check.manifestVersions().get(acked.getKey());
      if (stored == null || stored < acked.getValue()) {
        lost++;
        problems.add("manifest " + acked.getKey() + ": acknowledged version " + acked.getValue() + ", stored "
            + (stored == null ? "nothing" : "version " + stored));
      }
    }
    check.findings().forEach(finding -> problems.add(finding.toString()));
    return new Report(acknowledged, lost,
        (int) check.count(WorkspaceCheck.Kind.DANGLING),
        (int) (check.count(WorkspaceCheck.Kind.UNREADABLE) + check.count(WorkspaceCheck.Kind.CONTENT)),
        (int) (check.count(WorkspaceCheck.Kind.INTEGRITY) + check.count(WorkspaceCheck.Kind.BLOCK_LIMIT)),
        problems);
  }
}
