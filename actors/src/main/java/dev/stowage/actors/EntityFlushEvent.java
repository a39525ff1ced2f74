package dev.stowage.actors;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: one flush of a {@link ManifestEntity}, from the moment it is sent (sealed) to the commit
 * that holds it. Costs nothing unless a recording is running.
 */
@Name("dev.stowage.EntityFlush")
@Label("Entity Flush")
@Category({"Stowage", "Entities"})
@Description("A manifest entity's value was written and committed")
@StackTrace(false)
final class EntityFlushEvent extends jdk.jfr.Event {
  @Label("Manifest")
  String manifest;

  @Label("Version")
  @Description("The entity's write counter this flush persisted")
  long version;

  @Label("Sealed Size")
  @DataAmount
  int sealedBytes;

  @Label("Removed Chunks")
  @Description("Chunk ids deleted in the same transaction (INV-2)")
  int removedChunks;

  @Label("Deletes")
  @Description("The flush deleted the manifest (a clear)")
  boolean deletes;
}
