package dev.stowage.app.check;

import dev.stowage.app.ExitCodes;
import dev.stowage.app.WorkspaceOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code stowage fsck}: checks workspaces offline and names every problem. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    header = "Check a workspace: integrity, decryption, chunk references, block limit.",
    description = "Checks each workspace: PRAGMA integrity_check on both databases, every manifest, chunk and block "
        + "decrypts and decodes, every chunk a file manifest references is stored (INV-1), the block cache is "
        + "within its limit. Exits 1 and lists the findings if there are any, 3 if it cannot check (wrong key, "
        + "database in use). The workspace must not be open in a running program.")
public final class FsckCommand implements Callable<Integer> {
  @Mixin WorkspaceOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    WorkspaceOptions.Selection selected = options.existing();
    int findings = 0;
    for (Path workspace : selected.workspaces()) {
      WorkspaceCheck.Result result = WorkspaceCheck.run(workspace, selected.cipher(), selected.blockLimit(),
          WorkspaceCheck.PayloadCheck.NONE);
      out.printf("workspace %s: %d manifests, %d rows decrypted, %s%n", workspace.getFileName(),
          result.manifestVersions().size(), result.rowsChecked(),
          result.clean() ? "clean" : result.findings().size() + " finding(s):");
      result.findings().forEach(finding -> out.println("  " + finding));
      findings += result.findings().size();
    }
    out.println(findings == 0 ? "fsck: clean" : "fsck: " + findings + " finding(s)");
    out.flush();
    return findings == 0 ? ExitCodes.OK : ExitCodes.FINDINGS;
  }
}
