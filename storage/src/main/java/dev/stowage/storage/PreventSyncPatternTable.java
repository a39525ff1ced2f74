package dev.stowage.storage;

import dev.stowage.protocol.Require;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * The {@code prevent_sync_pattern} table: a single row holding the regular expression of names
 * that must not be synchronised, and whether it has been fully applied (INV-16). A new workspace
 * starts with {@code ^\b$}, which matches nothing.
 */
public final class PreventSyncPatternTable {
  private static final String GET = "SELECT pattern, fully_applied FROM prevent_sync_pattern WHERE _id = 0";
  private static final String SET =
      "UPDATE prevent_sync_pattern SET pattern = ?, fully_applied = 0 WHERE _id = 0 AND pattern != ?";
  private static final String MARK =
      "UPDATE prevent_sync_pattern SET fully_applied = 1 WHERE _id = 0 AND pattern = ?";

  /** The stored pattern and whether it has been fully applied. */
  public record State(String pattern, boolean fullyApplied) {}

  private final LocalDatabase db;

  public PreventSyncPatternTable(LocalDatabase db) {
    this.db = db;
  }

  public State get() {
    return db.run("get prevent-sync pattern", () -> {
      try (ResultSet row = db.statement(GET).executeQuery()) {
        return row.next()
            ? new State(row.getString(1), row.getInt(2) != 0)
            : new State(Schema.DEFAULT_PREVENT_SYNC_PATTERN, false);
      }
    });
  }

  /**
   * Replaces the pattern and clears "fully applied"; setting the current pattern again changes
   * nothing.
   *
   * @return whether the pattern changed
   */
  public boolean set(String pattern) {
    Require.nonNull(pattern, "prevent-sync pattern");
    return db.run("set prevent-sync pattern", () -> {
      PreparedStatement set = db.statement(SET);
      set.setString(1, pattern);
      set.setString(2, pattern);
      return set.executeUpdate() > 0;
    });
  }

  /**
   * Records that {@code pattern} has been fully applied, only if it is still the current one.
   *
   * @return whether it was recorded
   */
  public boolean markFullyApplied(String pattern) {
    Require.nonNull(pattern, "prevent-sync pattern");
    return db.run("mark prevent-sync pattern applied", () -> {
      PreparedStatement mark = db.statement(MARK);
      mark.setString(1, pattern);
      return mark.executeUpdate() > 0;
    });
  }
}
