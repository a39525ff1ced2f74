package dev.stowage.app.demo;

import dev.stowage.app.CliError;
import dev.stowage.storage.LocalDatabase;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The folders the demo makes in its directory and removes again: its workspace (local mode), or
 * its nodes' block-cache folders {@code node-0..N-1} (cluster mode). So that reruns do not pile up
 * data, each run starts without them, and a cluster run removes its node folders when it ends.
 *
 * <p>The demo removes a folder only if it made it: it writes a marker file ({@value #MARKER}) into
 * each folder when it creates it, and a folder of that name without the marker (a host's
 * workspace under the same name, an old demo's, anything else) is refused, never removed. Nothing
 * else in the directory is touched: not the key file, not another workspace. Symbolic links are
 * not followed: a folder that is a link is refused, and a link inside a folder is removed as a link.
 */
final class DemoFolders {
  /** The marker file in each folder the demo made. */
  static final String MARKER = ".stowage-demo";
  private static final String MARKER_TEXT =
      "This folder was made by `bin/stowage demo`; the next demo run removes it, with everything in it.\n";

  private DemoFolders() {}

  /**
   * Refuses, with a {@link CliError}, if one of {@code folders} exists and is not the demo's own, or
   * a program has it open; checked before anything is removed or created.
   */
  static void checkOwned(List<Path> folders, String what) throws IOException {
    for (Path folder : folders) {
      if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS) && !ownedByTheDemo(folder)) {
        throw new CliError(folder + " exists and was not made by this demo (it has no " + MARKER + " file): the demo"
            + " removes only its own " + what + "; choose another --dir or --workspace, or remove it yourself if"
            + " it is an old demo's");
      }
      if (ownedByTheDemo(folder)) {
        releaseAll(lockAll(folder));
      }
    }
  }

  /**
   * Removes those of {@code folders} that exist and are the demo's own, each under the locks of its
   * databases (as Stowage takes them), so that none is removed under a program that has it open.
   *
   * @return the folders removed
   * @throws CliError if a program has one of them open
   */
  static List<Path> removeOwned(List<Path> folders) throws IOException {
    List<Path> removed = new ArrayList<>();
    for (Path folder : folders) {
      if (ownedByTheDemo(folder)) {
        List<FileChannel> locks = lockAll(folder);
        try {
          removeTree(folder);
        } finally {
          releaseAll(locks);
        }
        removed.add(folder);
      }
    }
    return removed;
  }

  /**
   * Takes the OS lock of every database lock file in {@code folder} ({@code data_v1.sqlite.lock},
   * the one a database's writer holds while it is open), or none.
   *
   * @throws CliError if a program, this one included, holds one of them
   */
  private static List<FileChannel> lockAll(Path folder) throws IOException {
    List<Path> lockFiles;
    try (Stream<Path> files = Files.walk(folder)) {
      lockFiles = files.filter(file -> file.getFileName().toString().endsWith(".sqlite.lock"))
          .filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)).toList();
    }
    List<FileChannel> held = new ArrayList<>();
    for (Path lockFile : lockFiles) {
      Path database = lockFile.resolveSibling(lockFile.getFileName().toString().replaceFirst("\\.lock$", ""));
      if (LocalDatabase.isOpen(database)) {
        // Not even a probe: closing a channel of a file drops every POSIX lock this process holds on it.
        releaseAll(held);
        throw inUse(folder, database);
      }
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
      held.add(channel);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        releaseAll(held);
        throw inUse(folder, database);
      }
    }
    return held;
  }

  private static CliError inUse(Path folder, Path database) {
    return new CliError(folder + " is in use: another program has this workspace open (" + database.getFileName()
        + " is locked); stop it first: the demo removes its previous workspace only when nothing has it open");
  }

  private static void releaseAll(List<FileChannel> channels) throws IOException {
    for (FileChannel channel : channels) {
      channel.close(); // releases its lock
    }
  }

  /** Creates {@code folder} (mode 0700) with its marker, if it does not exist yet. */
  static void create(Path folder) throws IOException {
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(folder);
      }
    }
    Files.writeString(folder.resolve(MARKER), MARKER_TEXT);
  }

  private static boolean ownedByTheDemo(Path folder) {
    return Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
        && Files.isRegularFile(folder.resolve(MARKER), LinkOption.NOFOLLOW_LINKS);
  }

  /** Removes {@code folder} and what it holds, its marker last: a removal cut short can be done again. */
  private static void removeTree(Path folder) throws IOException {
    Path marker = folder.resolve(MARKER);
    Files.walkFileTree(folder, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
        if (!file.equals(marker)) {
          Files.delete(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
        if (failure != null) {
          throw failure;
        }
        if (dir.equals(folder)) {
          Files.delete(marker);
        }
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
