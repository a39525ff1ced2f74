package dev.stowage.app;

import dev.stowage.protocol.StorageException;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --key-file FILE}, of the commands that decrypt what they read (a picocli mixin): not
 * {@code backup}, which copies rows still encrypted. {@code gc} declares its own, since it has no
 * {@code --dir} to find the default in.
 */
public final class KeyFileOption {
  /** Name of the key file the demo keeps next to its workspaces. */
  public static final String KEY_FILE_NAME = "stowage.key";

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "Key file of the workspaces (default: DIR/" + KEY_FILE_NAME + ", where the demo writes it).")
  Path file;

  /** The key file: {@code --key-file}, or {@code stowage.key} in the base directory. */
  public Path keyFile(Path baseDir) {
    return file != null ? file : baseDir.resolve(KEY_FILE_NAME);
  }

  /** Reads the key file; a missing or malformed file is a {@link CliError}. */
  public LocalKey load(Path baseDir) {
    return read(keyFile(baseDir));
  }

  /** Reads {@code file}; a missing or malformed file is a {@link CliError}. */
  public static LocalKey read(Path file) {
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
}
