package dev.stowage.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Splits id lists into {@code IN (?, ...)} statements under SQLite's historical limit of 999 bound
 * variables. Each batch is padded (with a repeated id, harmless in {@code IN}) to one of a few fixed
 * sizes, so a handful of prepared statements serve every list length.
 */
final class IdBatches {
  /** Batch sizes; the largest stays well under 999 variables. */
  private static final int[] SIZES = {1, 8, 64, 500};

  private IdBatches() {}

  static int maxBatch() {
    return SIZES[SIZES.length - 1];
  }

  /** {@code "prefix (?,?,...)" + suffix} with {@code size} placeholders. */
  static String sql(String prefix, int size, String suffix) {
    return prefix + " (" + String.join(",", Collections.nCopies(size, "?")) + ")" + suffix;
  }

  /** The statement size for {@code remaining} ids: the smallest that holds them, or the largest. */
  static int sizeFor(int remaining) {
    for (int size : SIZES) {
      if (remaining <= size) {
        return size;
      }
    }
    return maxBatch();
  }

  /**
   * Runs {@code perBatch} once per padded batch of {@code ids}, binding each id's bytes from
   * parameter 1. The statement for a batch size comes from {@code statementFor}.
   */
  static <T> void forEachBatch(
      List<T> ids,
      Function<T, byte[]> toBytes,
      StatementFor statementFor,
      BatchAction action)
      throws SQLException {
    for (int start = 0; start < ids.size(); start += maxBatch()) {
      List<T> batch = ids.subList(start, Math.min(ids.size(), start + maxBatch()));
      int size = sizeFor(batch.size());
      PreparedStatement statement = statementFor.get(size);
      for (int i = 0; i < size; i++) {
        statement.setBytes(i + 1, toBytes.apply(batch.get(Math.min(i, batch.size() - 1))));
      }
      action.run(statement);
    }
  }

  /**
   * The ids among {@code ids} that {@code selectIn} ("SELECT id FROM ... WHERE ... id IN") returns,
   * in the caller's transaction on {@code db}.
   */
  static <T> Set<T> selectAmong(LocalDatabase db, String what, String selectIn, Collection<T> ids,
      Function<T, byte[]> toBytes, Function<byte[], T> fromBytes) {
    Set<T> found = new HashSet<>();
    if (ids.isEmpty()) {
      return found;
    }
    List<T> list = ids instanceof List<T> given ? given : new ArrayList<>(ids);
    return db.run(what, () -> {
      forEachBatch(list, toBytes, size -> db.statement(sql(selectIn, size, "")), statement -> {
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            found.add(fromBytes.apply(rows.getBytes(1)));
          }
        }
      });
      return found;
    });
  }

  static <T> List<T> list(Iterable<T> ids) {
    List<T> list = new ArrayList<>();
    ids.forEach(list::add);
    return list;
  }

  @FunctionalInterface
  interface StatementFor {
    PreparedStatement get(int size) throws SQLException;
  }

  @FunctionalInterface
  interface BatchAction {
    void run(PreparedStatement statement) throws SQLException;
  }
}
