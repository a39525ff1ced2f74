package dev.stowage.actors.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR: one commit of a {@link dev.stowage.actors.gateway.DbGateway}'s write batch. Its duration is the commit itself (with
 * {@code durability = full}, the fsync); {@code writes} how many writers shared it, {@code
 * batchOpen} how long the batch was open before it. Costs nothing unless a recording is running
 * (README, "Watching it run").
 */
@Name("dev.stowage.GatewayCommit")
@Label("Gateway Commit")
@Category({"Stowage", "Database"})
@Description("A database gateway committed its write batch")
@StackTrace(false)
public final class GatewayCommitEvent extends jdk.jfr.Event {
  @Label("Database")
  public String database;

  @Label("Writes")
  @Description("Writes acknowledged by this commit")
  public int writes;

  @Label("Batch Open")
  @Description("Time from the first write of the batch to the start of the commit")
  @Timespan(Timespan.NANOSECONDS)
  public long batchOpen;

  @Label("Bytes on Disk")
  @Description("Database, WAL and shared-memory files after the commit")
  @DataAmount
  public long sizeOnDisk;
}
