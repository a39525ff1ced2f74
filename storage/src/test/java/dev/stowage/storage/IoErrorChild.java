package dev.stowage.storage;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.StorageFailedException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Run in a child JVM under a file-size limit by {@code LocalDatabaseTest}: commits 100 small chunks,
 * then writes incompressible chunks in one transaction until SQLite's write hits EFBIG, and prints
 * what it saw.
 */
public final class IoErrorChild {
  private IoErrorChild() {}

  public static void main(String[] args) {
    LocalDatabase db = LocalDatabase.open(Path.of(args[0]), DatabaseKind.DATA, Durability.NORMAL);
    ChunkTable chunks = new ChunkTable(db);
    db.begin();
    for (int i = 0; i < 100; i++) {
      chunks.put(ChunkId.random(), 100, new byte[100], 0);
    }
    db.commit();
    System.out.println("committed=" + chunks.count());
    Random random = new Random(1);
    try {
      db.begin();
      for (int i = 0; i < 10_000; i++) {
        byte[] data = new byte[64 * 1024];
        random.nextBytes(data);
        chunks.put(ChunkId.random(), data.length, data, 0);
      }
      db.commit();
      System.out.println("no failure: the file size limit was not hit");
    } catch (StorageFailedException e) {
      System.out.println("failure=" + SqliteFailure.of(e.getCause()) + " message=" + e.getMessage());
    }
    try {
      chunks.count();
    } catch (StorageFailedException e) {
      System.out.println("later=" + e.getClass().getSimpleName());
    }
  }
}
