package dev.stowage.app.backup;

import dev.stowage.app.CliError;
import dev.stowage.app.DirOptions;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.Sizes;
import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.BackupResult;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.WorkspaceBackup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage backup}: one workspace's data into one file, while a program may be using it. */
@Command(name = "backup", mixinStandardHelpOptions = true,
    header = "Copy a workspace's data into one file, consistent, while a program may be using it.",
    description = "Copies the data database of the workspace (manifests, chunks, realm checkpoint, prevent-sync "
        + "pattern) as committed at one moment into FILE, with SQLite's online backup API through a read-only "
        + "connection of its own: a program that has the workspace open goes on writing meanwhile, and what it "
        + "commits after that moment is not in the copy. Rows stay encrypted under the workspace key (no key is "
        + "needed to make a backup); FILE has mode 0600 and appears whole or not at all. Not in it: the block "
        + "cache (downloaded content, fetched again on demand) and cache-only writes the program has not "
        + "flushed. bin/stowage restore puts a backup back.")
public final class BackupCommand implements Callable<Integer> {
  @Mixin DirOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", description = "The workspace to back up (default: the only one in DIR).")
  String workspace;

  @Option(names = "--to", paramLabel = "FILE", required = true, description = "The backup file to write (it must not exist, unless --force).")
  Path to;

  @Option(names = "--force", description = "Replace FILE if it exists (atomically: the old backup stays until the new one is whole).")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path base = options.existingBaseDir();
    List<Path> workspaces = options.existingWorkspaces(base, workspace);
    if (workspaces.size() > 1) {
      throw new CliError(base + " holds " + workspaces.size() + " workspaces ("
          + String.join(", ", workspaces.stream().map(path -> path.getFileName().toString()).toList())
          + "): pass --workspace to say which to back up");
    }
    Path workspace = workspaces.get(0);
    BackupResult result;
    try {
      result = WorkspaceBackup.backup(workspace, to, force, LocalDatabase.BackupProgress.NONE);
    } catch (BackupFailedException e) {
      throw new CliError(e.getMessage(), e);
    }
    out.printf("backup of workspace %s: %d manifests, %d chunks, %s in %d ms, schema version %d%n",
        workspace.getFileName(), result.manifests(), result.chunks(), Sizes.human(result.bytes()),
        result.took().toMillis(), result.schemaVersion());
    out.printf("  written to %s (mode 0600, rows encrypted as at rest)%n", result.file());
    out.println("  not in it: the block cache (fetched again on demand), and cache-only writes a running program"
        + " had not flushed");
    out.flush();
    return ExitCodes.OK;
  }
}
