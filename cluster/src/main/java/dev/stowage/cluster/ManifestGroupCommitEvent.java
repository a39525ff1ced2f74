package dev.stowage.cluster;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: one transaction of a node's {@link DurableStateWriter}. Its duration is the transaction,
 * statements and commit; {@code writes} how many manifest writes shared it, {@code takeOvers} how
 * many rows new incarnations took over in it. Costs nothing unless a recording is running.
 */
@Name("dev.stowage.ManifestGroupCommit")
@Label("Manifest Group Commit")
@Category({"Stowage", "Database"})
@Description("A cluster node's manifest writer committed a batch of manifest rows to PostgreSQL")
@StackTrace(false)
final class ManifestGroupCommitEvent extends jdk.jfr.Event {
  @Label("Writes")
  @Description("Manifest writes in this transaction")
  int writes;

  @Label("Applied")
  @Description("Writes whose revision matched (the others were stale)")
  int applied;

  @Label("Take-overs")
  @Description("Rows taken over by new incarnations of their entities in this transaction")
  int takeOvers;
}
