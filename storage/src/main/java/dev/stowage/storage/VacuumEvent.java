package dev.stowage.storage;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: a {@code VACUUM} and WAL truncation of a database file ({@code runVacuum}). Costs nothing
 * unless a recording is running.
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
}
