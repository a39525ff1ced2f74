package dev.stowage.storage;

import java.nio.file.FileSystems;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Owner-only permissions for new files and directories, where the file system has them. */
final class Posix {
  private static final boolean SUPPORTED =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private Posix() {}

  /** Mode 0600 on POSIX file systems; no attribute elsewhere. */
  static FileAttribute<?>[] ownerOnlyFile() {
    return SUPPORTED
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  /** Mode 0700 on POSIX file systems; no attribute elsewhere. */
  static FileAttribute<?>[] ownerOnlyDirectory() {
    return SUPPORTED
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
        : new FileAttribute<?>[0];
  }
}
