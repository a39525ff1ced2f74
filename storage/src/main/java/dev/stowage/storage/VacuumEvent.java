package dev.stowage.storage;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: a vacuum and WAL truncation of a database file ({@code runVacuum}): a {@code VACUUM} that
 * rebuilds the file (steps 0), or an {@link IncrementalVacuum} from its start to its last step.
 * Costs nothing unless a recording is running.
 */
@Name("dev.stowage.Vacuum")
@Label("Vacuum")
@Category({"Stowage", "Database"})
@Description("A database file was vacuumed and its WAL truncated")
@StackTrace(false)
final class VacuumEvent extends jdk.jfr.Event {
  @Label("File")
  String file;

  @Label("Size Before")
  @DataAmount
  long bytesBefore;

  @Label("Size After")
  @DataAmount
  long bytesAfter;

  @Label("Steps")
  @Description("Steps of an incremental vacuum, each a transaction of its own; 0 for a VACUUM")
  int steps;
}
