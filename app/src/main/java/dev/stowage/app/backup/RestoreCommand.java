package dev.stowage.app.backup;

import dev.stowage.actors.RequestValidation;
import dev.stowage.app.CliError;
import dev.stowage.app.DirOptions;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.protocol.BackupFailedException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.WorkspaceBackup;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage restore}: a backup back in place as a workspace's data. */
@Command(name = "restore", mixinStandardHelpOptions = true,
    header = "Put a backup back as a workspace's data; the workspace must not be open.",
    description = "Checks FILE on a private copy before it touches the workspace (a SQLite database, intact, with "
        + "Stowage's tables, of a schema this Stowage supports, whose key check the key file opens), then puts it "
        + "in place as the data database of DIR/ID with one rename, under the workspace's locks (a running "
        + "program that has it open is refused). A workspace there already is replaced only with --force: its "
        + "files (data and block cache) are moved into DIR/ID/replaced-<time>/, nothing is deleted. The restored "
        + "workspace starts with an empty block cache. Exits 3 and changes nothing if FILE cannot be restored.")
public final class RestoreCommand implements Callable<Integer> {
  @Mixin DirOptions options;
  @Mixin KeyFileOption key;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", required = true, description = "The workspace to restore into (DIR/ID).")
  String id;

  @Option(names = "--from", paramLabel = "FILE", required = true, description = "The backup to restore (bin/stowage backup made it).")
  Path from;

  @Option(names = "--force", description = "Replace the workspace if it exists (its files are kept in a replaced-<time> directory).")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      RequestValidation.workspaceId(id);
    } catch (InvalidRequestException e) {
      throw new CliError(e.getMessage(), e);
    }
    Path base = options.settings().baseDir();
    Path workspace = base.resolve(id);
    if (!force && Files.exists(workspace.resolve(DatabaseKind.DATA.fileName()))) {
      throw new CliError("workspace '" + id + "' exists in " + base + ": restoring would replace it; pass --force to"
          + " replace it (its files are kept in " + workspace.resolve("replaced-<time>") + ")");
    }
    BlobCipher cipher = new BlobCipher(key.load(base));
    WorkspaceBackup.RestoreResult result;
    try {
      result = WorkspaceBackup.restore(from, workspace, cipher, force, Instant.now());
    } catch (BackupFailedException e) {
      throw new CliError(e.getMessage(), e);
    }
    out.printf("restored workspace %s from %s: %d manifests, %d chunks (backup schema version %d%s)%n", id,
        result.from(), result.manifests(), result.chunks(), result.schemaVersion(),
        result.schemaVersion() < DataStore.schemaVersion() ? ", migrated to " + DataStore.schemaVersion() : "");
    result.replacedKeptIn().ifPresent(aside -> out.printf("  replaced %s; kept in %s (delete it once the restored"
        + " workspace is right)%n", String.join(", ", result.replaced()), aside));
    out.println("  the block cache starts empty: blocks are fetched again on demand");
    out.flush();
    return ExitCodes.OK;
  }
}
