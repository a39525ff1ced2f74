package dev.stowage.app.check;

import dev.stowage.app.CliError;
import dev.stowage.app.DirOptions;
import dev.stowage.app.ExitCodes;
import dev.stowage.app.KeyFileOption;
import dev.stowage.app.Sizes;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.WorkspaceManifest;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.LocalDatabase;
import dev.stowage.storage.PreventSyncPatternTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage inspect}: what a workspace holds, read offline. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    header = "Show what a workspace holds.",
    description = "Shows what is stored in each workspace: manifests by type, need-sync entries, chunks, blocks, sizes "
        + "on disk, schema version, realm checkpoint and prevent-sync pattern; the block limit is the one the "
        + "workspace records (the library records it in the cache database at each open), or --block-limit. The "
        + "workspace must not be open in a running program.")
public final class InspectCommand implements Callable<Integer> {
  @Mixin DirOptions options;
  @Mixin KeyFileOption key;
  @Spec CommandSpec spec;

  @Option(names = "--workspace", paramLabel = "ID", description = "Only this workspace (default: every workspace in DIR).")
  String workspace;

  @Option(names = "--block-limit", paramLabel = "N",
      description = "Show the blocks against this limit (cache-size / block-size of the host) instead of the one "
          + "the workspace records.")
  Long blockLimit;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    OptionalLong limit = BlockLimitOption.of(spec, blockLimit);
    DirOptions.Selection selected = options.existing(workspace, key);
    for (Path workspace : selected.workspaces()) {
      inspect(workspace, selected.cipher(), limit, selected.baseDir(), out);
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static void inspect(Path workspace, BlobCipher cipher, OptionalLong blockLimit, Path baseDir,
      PrintWriter out) {
    out.printf("workspace %s (%s)%n", workspace.getFileName(), workspace);
    try {
      inspectData(workspace, cipher, out);
    } catch (StorageFailedException e) {
      throw damaged(workspace, DatabaseKind.DATA, e, baseDir, out);
    }
    try {
      inspectCache(workspace, cipher, blockLimit, out);
    } catch (StorageFailedException e) {
      throw damaged(workspace, DatabaseKind.CACHE, e, baseDir, out);
    }
  }

  /**
   * A file inspect cannot read on: one line saying which and what to run, instead of the library's
   * advice to a host ("reopen the workspace"). Not damage (an I/O error, say): reported as it is.
   */
  private static RuntimeException damaged(Path workspace, DatabaseKind kind, StorageFailedException e, Path baseDir,
      PrintWriter out) {
    if (!StoreOpener.isDamage(e)) {
      return e;
    }
    out.flush();
    String name = workspace.getFileName().toString();
    return new CliError("workspace '" + name + "': " + StoreOpener.describeDamage(kind.fileName(), e)
        + ", inspect cannot read on; bin/stowage fsck --dir " + baseDir + " --workspace " + name
        + " lists the damage and what to do", e);
  }

  private static void inspectData(Path workspace, BlobCipher cipher, PrintWriter out) {
    try (DataStore data = StoreOpener.data(workspace, cipher)) {
      long[] byType = new long[4]; // workspace, folder, file, unreadable
      data.vlobs().forEach(row -> {
        try {
          LocalManifest manifest = ManifestCodec.decode(cipher.open(row.id(), row.blob()));
          byType[manifest instanceof WorkspaceManifest ? 0 : manifest instanceof FolderManifest ? 1
              : manifest instanceof FileManifest ? 2 : 3]++;
        } catch (CorruptEntryException e) {
          byType[3]++;
        }
      });
      PreventSyncPatternTable.State pattern = data.preventSyncPattern().get();
      row(out, "schema version", "data " + data.database().schemaVersion());
      row(out, "manifests", String.format("%d (workspace %d, folder %d, file %d%s)",
          data.vlobs().count(), byType[0], byType[1], byType[2], byType[3] == 0 ? "" : ", unreadable " + byType[3]));
      row(out, "need sync", String.format("local %d, remote %d",
          data.vlobs().localNeedSync().size(), data.remoteNeedSync().size()));
      long quarantined = data.quarantine().count();
      row(out, "quarantine", quarantined == 0 ? "empty"
          : String.format("%d rows (fsck --repair moved them there), %d manifests to fetch again",
              quarantined, data.quarantine().toFetchAgain().size()));
      row(out, "chunks", String.format("%d, %s", data.chunks().count(), Sizes.human(data.chunks().totalSize())));
      row(out, "realm checkpoint", Long.toString(data.realmCheckpoint().get()));
      row(out, "prevent-sync", "\"" + pattern.pattern() + "\"" + (pattern.fullyApplied() ? ", fully applied" : ", not fully applied"));
      row(out, "data on disk", Sizes.human(data.database().sizeOnDisk()));
    }
  }

  private static void inspectCache(Path workspace, BlobCipher cipher, OptionalLong blockLimit, PrintWriter out) {
    Optional<CacheStore> opened = StoreOpener.cache(workspace, cipher);
    if (opened.isEmpty()) {
      row(out, "blocks", "none (no cache database yet)");
      return;
    }
    try (CacheStore cache = opened.get()) {
      JudgedLimit limit = JudgedLimit.of(blockLimit, cache.recordedBlockLimit());
      row(out, "blocks", limit.describe(cache.blocks().count()) + ", "
          + Sizes.human(cache.blocks().table().totalSize()));
      row(out, "cache on disk", Sizes.human(LocalDatabase.sizeOnDisk(workspace.resolve(DatabaseKind.CACHE.fileName()))));
    }
  }

  private static void row(PrintWriter out, String name, String value) {
    out.printf("  %-17s %s%n", name, value);
  }
}
