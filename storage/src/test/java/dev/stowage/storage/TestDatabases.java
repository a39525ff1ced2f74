package dev.stowage.storage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Helpers for storage tests: raw SQL on a LocalDatabase, and on closed files without one. */
final class TestDatabases {
  private TestDatabases() {}

  static LocalDatabase openData(Path dir) {
    return LocalDatabase.open(dir, DatabaseKind.DATA, Durability.NORMAL);
  }

  static LocalDatabase openCache(Path dir) {
    return LocalDatabase.open(dir, DatabaseKind.CACHE, Durability.NORMAL);
  }

  /** Runs a statement the guard would refuse (pragmas), inside {@link LocalDatabase#run}. */
  static String pragma(LocalDatabase db, String sql) {
    return db.run("test pragma", () -> {
      try (var statement = db.unguardedStatement(sql); ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    });
  }

  /** Runs SQL on a database file that no LocalDatabase has open (simulates another program). */
  static void rawExecute(Path file, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static long rawCount(Path file, String table) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
