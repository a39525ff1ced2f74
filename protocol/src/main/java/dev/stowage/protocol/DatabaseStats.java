package dev.stowage.protocol;

/**
 * What one database gateway has done since the workspace was opened.
 *
 * @param fileBytes size on disk of the database, its WAL and shared-memory files
 * @param commits transactions committed
 * @param writes write requests executed (each one is in exactly one commit)
 * @param reads read requests answered
 * @param maxBatchSize the most writes one commit held
 * @param nanosInSqlite wall time the gateway thread spent inside SQLite
 */
public record DatabaseStats(
    long fileBytes, long commits, long writes, long reads, int maxBatchSize, long nanosInSqlite) {

  public static final DatabaseStats EMPTY = new DatabaseStats(0, 0, 0, 0, 0, 0);

  /** Writes per commit; 0 before the first commit. */
  public double meanBatchSize() {
    return commits == 0 ? 0.0 : (double) writes / commits;
  }
}
