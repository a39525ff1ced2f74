package dev.stowage.app;

import com.typesafe.config.Config;
import dev.stowage.actors.StorageSettings;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DatabaseKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --dir DIR} and {@code --config FILE}: where a command finds the workspaces on this
 * machine (a picocli mixin). Each command declares its own {@code --workspace}, required or not, and
 * takes {@link KeyFileOption} only if it decrypts, so that its {@code --help} offers only what it
 * uses.
 */
public final class DirOptions {
  @Option(names = "--dir", paramLabel = "DIR",
      description = "Directory holding the workspaces (default: stowage.base-dir of the configuration).")
  Path dir;

  @Mixin ConfigOption config;

  /** Whether {@code --dir} was given. */
  public boolean dirGiven() {
    return dir != null;
  }

  /** The file of {@code --config}, or null. */
  public Path configFile() {
    return config.file;
  }

  /** The configuration, loaded once. */
  public Config config() {
    return config.config();
  }

  /** Storage settings from the configuration, with {@code --dir} as base directory when given. */
  public StorageSettings settings() {
    StorageSettings settings = AppConfig.storageSettings(config());
    return dir == null ? settings : settings.withBaseDir(dir);
  }

  /** The existing workspaces a command checks, with what it needs to read them. */
  public record Selection(Path baseDir, List<Path> workspaces, BlobCipher cipher) {}

  /**
   * The workspaces to check ({@code workspace}, or every one of the base directory if null) and the
   * cipher of the key file. Creates nothing. No block limit: the configuration's is the CLI's, not a
   * workspace's; the tools read the one each workspace records.
   */
  public Selection existing(String workspace, KeyFileOption key) {
    Path base = existingBaseDir();
    return new Selection(base, existingWorkspaces(base, workspace), new BlobCipher(key.load(base)));
  }

  /** The base directory, which must exist. */
  public Path existingBaseDir() {
    Path base = settings().baseDir();
    if (!Files.isDirectory(base)) {
      throw new CliError("no such directory: " + base);
    }
    return base;
  }

  /**
   * Directories of the workspaces to work on: {@code workspace}, or if null every directory of the
   * base directory that holds a data database. Never creates anything.
   */
  public List<Path> existingWorkspaces(Path baseDir, String workspace) {
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
