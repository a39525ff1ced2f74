package dev.stowage.storage;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Owner-only permissions for new files and directories, where the file system has them. */
final class Posix {
  private static final boolean SUPPORTED =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

  private Posix() {}

  /**
   * Makes {@code file} readable and writable by its owner only: creates it empty if missing, and
   * takes the group's and others' permissions off it if it has any (a file of an older Stowage, or
   * copied in). Does nothing where the file system has no POSIX permissions.
   */
  static void ownerOnly(Path file) throws IOException {
    if (!SUPPORTED) {
      return;
    }
    try {
      Files.createFile(file, ownerOnlyFile());
    } catch (FileAlreadyExistsException exists) {
      if (!Files.getPosixFilePermissions(file).equals(OWNER_READ_WRITE)) {
        Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
      }
    }
  }

  /** Mode 0600 on POSIX file systems; no attribute elsewhere. */
  static FileAttribute<?>[] ownerOnlyFile() {
    return SUPPORTED
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
        : new FileAttribute<?>[0];
  }

  /** Mode 0700 on POSIX file systems; no attribute elsewhere. */
  static FileAttribute<?>[] ownerOnlyDirectory() {
    return SUPPORTED
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
        : new FileAttribute<?>[0];
  }
}
