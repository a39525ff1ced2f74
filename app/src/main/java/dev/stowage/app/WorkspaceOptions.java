package dev.stowage.app;

import com.typesafe.config.Config;
import dev.stowage.actors.StorageSettings;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** The options that say which workspaces a command works on, shared by every command (a picocli mixin). */
public final class WorkspaceOptions {
  /** Name of the key file the demo keeps next to its workspaces. */
  public static final String KEY_FILE_NAME = "stowage.key";

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Directory holding the workspaces (default: stowage.base-dir of the configuration).")
  Path dir;

  @Option(names = "--workspace", paramLabel = "ID", description = "Workspace id (demo: stowage.demo.workspace; inspect, fsck: every workspace in DIR; backup: the only one in DIR; restore: required).")
  String workspace;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "Key file of the workspaces (default: DIR/" + KEY_FILE_NAME + ", where the demo writes it).")
  Path keyFile;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file overriding the packaged application.conf.")
  Path config;

  private Config loaded;

  /** Whether {@code --dir} was given. */
  public boolean dirGiven() {
    return dir != null;
  }

  /** {@code --workspace}, or {@code fallback} if it was not given. */
  public String workspaceOr(String fallback) {
    return workspace != null ? workspace : fallback;
  }

  /** The configuration, loaded once. */
  public Config config() {
    if (loaded == null) {
      loaded = AppConfig.load(config);
    }
    return loaded;
  }

  /** Storage settings from the configuration, with {@code --dir} as base directory when given. */
  public StorageSettings settings() {
    StorageSettings settings = AppConfig.storageSettings(config());
    return dir == null ? settings : settings.withBaseDir(dir);
  }

  /** The existing workspaces a command checks, with what it needs to read them. */
  public record Selection(Path baseDir, List<Path> workspaces, BlobCipher cipher) {}

  /**
   * The workspaces named by these options (all of the base directory unless {@code --workspace})
   * and the cipher of the key file. Creates nothing. No block limit: the configuration's is the
   * CLI's, not a workspace's; the tools read the one each workspace records.
   */
  public Selection existing() {
    Path base = existingBaseDir();
    return new Selection(base, existingWorkspaces(base), new BlobCipher(loadKey(base)));
  }

  /** The base directory, which must exist. */
  public Path existingBaseDir() {
    Path base = settings().baseDir();
    if (!Files.isDirectory(base)) {
      throw new CliError("no such directory: " + base);
    }
    return base;
  }

  /** The key file: {@code --key-file}, or {@code stowage.key} in the base directory. */
  public Path keyFile(Path baseDir) {
    return keyFile != null ? keyFile : baseDir.resolve(KEY_FILE_NAME);
  }

  /** Reads the key file; a missing or malformed file is a {@link CliError}. */
  public LocalKey loadKey(Path baseDir) {
    Path file = keyFile(baseDir);
    try {
      return LocalKey.load(file);
    } catch (NoSuchFileException e) {
      throw new CliError("no key file at " + file + " (pass --key-file; the demo writes its key to DIR/" + KEY_FILE_NAME + ")");
    } catch (IOException e) {
      throw new CliError("cannot read key file " + file + ": " + e.getMessage(), e);
    } catch (StorageException e) {
      throw new CliError(e.getMessage(), e);
    }
  }

  /**
   * Directories of the workspaces to work on: {@code --workspace}, or every directory of the base
   * directory that holds a data database. Never creates anything.
   */
  public List<Path> existingWorkspaces(Path baseDir) {
    List<Path> all;
    try (Stream<Path> children = Files.list(baseDir)) {
      all = children.filter(child -> Files.isRegularFile(child.resolve(DatabaseKind.DATA.fileName()))).sorted().toList();
    } catch (IOException e) {
      throw new CliError("cannot list " + baseDir + ": " + e.getMessage(), e);
    }
    if (workspace != null) {
      Path chosen = baseDir.resolve(workspace);
      if (!all.contains(chosen)) {
        throw new CliError("no workspace '" + workspace + "' in " + baseDir + " (found: " + names(all) + ")");
      }
      return List.of(chosen);
    }
    if (all.isEmpty()) {
      throw new CliError("no workspace in " + baseDir + " (a workspace is a directory holding " + DatabaseKind.DATA.fileName() + ")");
    }
    return all;
  }

  private static String names(List<Path> workspaces) {
    return workspaces.isEmpty() ? "none"
        : String.join(", ", workspaces.stream().map(path -> path.getFileName().toString()).toList());
  }
}
