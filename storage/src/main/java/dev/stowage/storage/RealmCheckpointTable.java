package dev.stowage.storage;

import dev.stowage.protocol.Require;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** The {@code realm_checkpoint} table: a single row, the last realm checkpoint synchronised (0 if none). */
public final class RealmCheckpointTable {
  private static final String GET = "SELECT checkpoint FROM realm_checkpoint WHERE _id = 0";
  private static final String SET =
      "INSERT INTO realm_checkpoint (_id, checkpoint) VALUES (0, ?)"
          + " ON CONFLICT (_id) DO UPDATE SET checkpoint = excluded.checkpoint";

  private final LocalDatabase db;

  public RealmCheckpointTable(LocalDatabase db) {
    this.db = db;
  }

  public long get() {
    return db.run("get realm checkpoint", () -> {
      try (ResultSet row = db.statement(GET).executeQuery()) {
        return row.next() ? row.getLong(1) : 0L;
      }
    });
  }

  public void set(long checkpoint) {
    Require.nonNegative(checkpoint, "realm checkpoint");
    db.run("set realm checkpoint", () -> {
      PreparedStatement set = db.statement(SET);
      set.setLong(1, checkpoint);
      return set.executeUpdate();
    });
  }
}
