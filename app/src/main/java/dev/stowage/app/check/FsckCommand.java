package dev.stowage.app.check;

import dev.stowage.app.DirOptions;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage fsck}: checks workspaces offline and names every problem; with {@code --repair}, puts them out of the way. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    header = "Check a workspace: integrity, decryption, chunk references, block limit; --repair to fix.",
    description = "Checks each workspace: PRAGMA integrity_check on both databases, every manifest, chunk and block "
        + "decrypts and decodes, every chunk a file references that is not yet uploaded is stored (INV-1; an uploaded "
        + "chunk may be in the block cache or only on the server), the block cache is "
        + "within its limit: the one the workspace records (the library records the limit it runs with in the "
        + "cache database at each open), or --block-limit; a cache that records none is counted, not judged. "
        + "Prints one line per finding (past " + FsckReport.MAX_FINDINGS + " per workspace, a count by kind) and "
        + "the command to run next; a check that could not read a file to its end says so. It also counts the orphan "
        + "chunks (chunks no stored manifest references, e.g. left by a writer that stopped before its manifest), "
        + "names a few and the gc command that deletes them (once every manifest reads and the data file is sound); "
        + "they are not findings. Exits 1 if there are "
        + "findings, 3 if it cannot check (wrong key, database in use). The workspace must not be open in a "
        + "running program.%n%n"
        + "With --repair, it then moves every manifest and chunk that does not decrypt or decode, and every file "
        + "manifest whose chunks not yet uploaded are gone, into the data database's quarantine table (original encrypted bytes, "
        + "reason, time), marks the quarantined manifests the server has (base version > 0) to be fetched again "
        + "(need-sync reports them as remote until they are stored again), and drops broken blocks and blocks over "
        + "the limit (a cache, fetched again on demand; none for a limit it does not know). One line per action, "
        + "then the check again: exits 0 if the workspace is clean now, 1 if something is left (a damaged data "
        + "file: restore it from a backup).")
public final class FsckCommand implements Callable<Integer> {
  @Mixin DirOptions options;
  @Mixin KeyFileOption key;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", description = "Only this workspace (default: every workspace in DIR).")
  String workspace;

  @Option(names = "--repair", description = "Quarantine what does not read and drop broken blocks, then check again.")
  boolean repair;

  @Option(names = "--block-limit", paramLabel = "N",
      description = "Judge the block cache by this limit (cache-size / block-size of the host) instead of the one "
          + "the workspace records; needed to judge, or trim, a cache that records none.")
  Long blockLimit;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    OptionalLong limit = BlockLimitOption.of(spec, blockLimit);
    DirOptions.Selection selected = options.existing(workspace, key);
    int findings = 0;
    List<WorkspaceRepair.Result> repairs = new ArrayList<>();
    for (Path workspace : selected.workspaces()) {
      if (repair) {
        WorkspaceRepair.Result repaired = WorkspaceRepair.run(workspace, selected.cipher(), limit, Instant.now());
        out.printf("workspace %s: repair%n", workspace.getFileName());
        repaired.actions().forEach(action -> out.println("  " + action));
        repaired.left().forEach(left -> out.println("  not repaired: " + left));
        if (repaired.nothingDone() && repaired.left().isEmpty()) {
          out.println("  nothing to repair");
        }
        repairs.add(repaired);
      }
      WorkspaceCheck.Result result = WorkspaceCheck.run(workspace, selected.cipher(), limit,
          WorkspaceCheck.PayloadCheck.NONE);
      FsckReport.print(out, result, selected.baseDir(), repair);
      findings += result.findings().size();
    }
    String state = findings == 0 ? "clean" : findings + " finding(s)";
    out.println(repair ? "fsck --repair: " + summary(repairs) + "; " + (findings == 0 ? "clean now" : state + " left")
        : "fsck: " + state);
    out.flush();
    return findings == 0 ? ExitCodes.OK : ExitCodes.FINDINGS;
  }

  private static String summary(List<WorkspaceRepair.Result> repairs) {
    int manifests = 0;
    int fetch = 0;
    int chunks = 0;
    long blocks = 0;
    int caches = 0;
    for (WorkspaceRepair.Result result : repairs) {
      manifests += result.manifestsQuarantined();
      fetch += result.toFetchAgain();
      chunks += result.chunksQuarantined();
      blocks += result.blocksDropped();
      caches += result.cacheDropped() ? 1 : 0;
    }
    List<String> parts = new ArrayList<>();
    if (manifests > 0) {
      parts.add(manifests + " manifest(s) quarantined (" + fetch + " to fetch again)");
    }
    if (chunks > 0) {
      parts.add(chunks + " chunk(s) quarantined");
    }
    if (blocks > 0) {
      parts.add(blocks + " block(s) dropped");
    }
    if (caches > 0) {
      parts.add(caches + " block cache(s) dropped");
    }
    return parts.isEmpty() ? "nothing repaired" : String.join(", ", parts);
  }
}
