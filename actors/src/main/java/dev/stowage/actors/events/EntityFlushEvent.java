package dev.stowage.actors.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: one flush of a {@link dev.stowage.actors.entity.ManifestEntity}, from the moment it is sent (sealed) to the commit
 * that holds it. Costs nothing unless a recording is running.
 */
@Name("dev.stowage.EntityFlush")
@Label("Entity Flush")
@Category({"Stowage", "Entities"})
@Description("A manifest entity's value was written and committed")
@StackTrace(false)
public final class EntityFlushEvent extends jdk.jfr.Event {
  @Label("Manifest")
  public String manifest;

  @Label("Version")
  @Description("The entity's write counter this flush persisted")
  public long version;

  @Label("Sealed Size")
  @DataAmount
  public int sealedBytes;

  @Label("Removed Chunks")
  @Description("Chunk ids deleted in the same transaction (INV-2)")
  public int removedChunks;

  @Label("Deletes")
  @Description("The flush deleted the manifest (a clear)")
  public boolean deletes;
}
