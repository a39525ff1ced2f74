package dev.stowage.app.check;

import dev.stowage.storage.DatabaseKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How {@code fsck} prints one workspace's check: a line that says how far the check got, one line
 * per finding (at most {@link #MAX_FINDINGS}, then a count by kind), and the next step a user can
 * take, as a command to type; then the orphan chunks, if any, which are not findings, with the
 * command that reclaims them. Every line is short: a finding's details are SQLite's report already
 * summarized ({@link IntegrityReport}).
 */
final class FsckReport {
  /** Findings listed one by one per workspace; past them, a line counts the rest by kind. */
  static final int MAX_FINDINGS = 30;

  private FsckReport() {}

  /**
   * Prints {@code result}.
   *
   * @param baseDir the directory the command was given (or the configured one), for the commands it suggests
   * @param afterRepair whether a repair ran just before: then it suggests no repair
   */
  static void print(PrintWriter out, WorkspaceCheck.Result result, Path baseDir, boolean afterRepair) {
    String name = result.workspace().getFileName().toString();
    String found = result.clean() ? "clean" : result.findings().size() + " finding(s):";
    if (result.complete()) {
      out.printf("workspace %s: %d manifests, %d rows decrypted, %s%n", name, result.manifestVersions().size(),
          result.rowsChecked(), found);
    } else {
      // Not "N rows decrypted" as if that were all of them: say that the check did not get to the end.
      WorkspaceCheck.Stop first = result.stops().get(0);
      out.printf("workspace %s: INCOMPLETE, the check stopped in %s while %s, after %d manifests and %d rows; %s%n",
          name, first.file(), first.doing(), result.manifestVersions().size(), result.rowsChecked(), found);
    }
    result.blocks().ifPresent(blocks -> out.println("  blocks: " + blocks));
    List<WorkspaceCheck.Finding> findings = result.findings();
    for (WorkspaceCheck.Finding finding : findings.subList(0, Math.min(MAX_FINDINGS, findings.size()))) {
      out.println("  " + finding);
      finding.details().forEach(detail -> out.println("      " + detail));
    }
    if (findings.size() > MAX_FINDINGS) {
      out.println("  ... and " + (findings.size() - MAX_FINDINGS) + " more: "
          + byKind(findings.subList(MAX_FINDINGS, findings.size())));
    }
    nextSteps(result, baseDir, afterRepair).forEach(line -> out.println("  " + line));
    orphans(result, baseDir).forEach(line -> out.println("  " + line));
  }

  /**
   * The orphan chunks in a few lines: how many, a few ids, and {@code gc}, which deletes those past
   * the grace period. Not a finding: a chunk no manifest references holds nothing a file needs.
   * Nothing while the data file is damaged or a manifest does not read: the count would be wrong
   * (an unread manifest may reference some), gc refuses to run, and the step before is the restore
   * or the repair already named.
   */
  static List<String> orphans(WorkspaceCheck.Result result, Path baseDir) {
    WorkspaceCheck.Orphans orphans = result.orphans();
    if (orphans.count() == 0 || orphans.unreadManifests() > 0
        || result.damaged().contains(DatabaseKind.DATA.fileName())) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add("orphan chunks: " + orphans.count() + " chunk(s) no stored manifest references, e.g. "
        + orphans.examples().stream().map(Object::toString).collect(Collectors.joining(", "))
        + (orphans.count() > orphans.examples().size() ? ", ..." : ""));
    lines.add("  (not a finding: no file needs them; left by a writer that stopped before its manifest, they only take room)");
    lines.add("next: gc deletes the orphan chunks older than the grace period (stowage.orphan-grace, or --grace):");
    lines.add("  bin/stowage gc --dir " + baseDir + " --workspace " + result.workspace().getFileName());
    return lines;
  }

  /** "800 unreadable, 12 dangling". */
  private static String byKind(List<WorkspaceCheck.Finding> findings) {
    Map<WorkspaceCheck.Kind, Long> counts = findings.stream()
        .collect(Collectors.groupingBy(WorkspaceCheck.Finding::kind, () -> new EnumMap<>(WorkspaceCheck.Kind.class),
            Collectors.counting()));
    return counts.entrySet().stream()
        .map(entry -> entry.getValue() + " " + entry.getKey().name().toLowerCase().replace('_', '-'))
        .collect(Collectors.joining(", "));
  }

  /**
   * What the user can do about the findings, as commands: a damaged data file only comes back from
   * a backup (moving rows cannot mend it); everything else {@code fsck --repair} puts out of the way.
   */
  static List<String> nextSteps(WorkspaceCheck.Result result, Path baseDir, boolean afterRepair) {
    String name = result.workspace().getFileName().toString();
    List<String> steps = new ArrayList<>();
    String data = DatabaseKind.DATA.fileName();
    if (result.damaged().contains(data)) {
      steps.add("next: " + data + " is damaged, and no repair mends a damaged file: restore it from a backup:");
      steps.add("  " + restoreCommand(baseDir, name));
      steps.add("  (FILE: a backup made by bin/stowage backup; the files it replaces are kept in " + name
          + "/replaced-<time>/)");
    }
    if (afterRepair) {
      return steps;
    }
    List<String> repairs = new ArrayList<>();
    if (!result.damaged().contains(data)
        && (result.count(WorkspaceCheck.Kind.UNREADABLE) > 0 || result.count(WorkspaceCheck.Kind.DANGLING) > 0)) {
      repairs.add("quarantines what does not read (its bytes kept) and marks what the server has to fetch again");
    }
    if (result.damaged().contains(DatabaseKind.CACHE.fileName())) {
      repairs.add("drops the damaged block cache (blocks are fetched again on demand)");
    }
    if (result.count(WorkspaceCheck.Kind.BLOCK_LIMIT) > 0) {
      repairs.add("drops the blocks over the limit (fetched again on demand)");
    }
    if (!repairs.isEmpty()) {
      steps.add("next: fsck --repair " + String.join("; ", repairs) + ":");
      steps.add("  bin/stowage fsck --repair --dir " + baseDir + " --workspace " + name);
    }
    return steps;
  }

  /** The command that puts a backup in place of workspace {@code name}, keeping what it replaces. */
  static String restoreCommand(Path baseDir, String name) {
    return "bin/stowage restore --from FILE --dir " + baseDir + " --workspace " + name + " --force";
  }
}
