package dev.stowage.storage;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@code LocalDatabaseTest}: opens the data database of a workspace for
 * writing, says so, and keeps it open until its standard input closes. The other program of
 * INV-12.
 */
public final class LockHolderChild {
  private LockHolderChild() {}

  public static void main(String[] args) throws Exception {
    LocalDatabase db = LocalDatabase.open(Path.of(args[0]), DatabaseKind.DATA, Durability.NORMAL);
    System.out.println("open");
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for the parent to close our input
    }
    db.close();
  }
}
