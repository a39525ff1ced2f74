package dev.stowage.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/** Makes a directory one cannot create files in: mode 0500, and immutable as well where that takes root. */
public final class Unwritable {
  private Unwritable() {}

  /** Returns whether {@code dir} is unwritable now (a file cannot be created in it). */
  public static boolean make(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
    if (!canCreateIn(dir)) {
      return true;
    }
    run("chattr", "+i", dir.toString()); // root ignores modes
    return !canCreateIn(dir);
  }

  public static void undo(Path dir) throws IOException {
    run("chattr", "-i", dir.toString());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
  }

  private static boolean canCreateIn(Path dir) {
    try {
      Files.delete(Files.createFile(dir.resolve(".probe")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no such tool: the probe says whether the directory is unwritable
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
