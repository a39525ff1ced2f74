package dev.stowage.actors.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: a {@link dev.stowage.actors.entity.ManifestEntity} loading its manifest, from the request to the result (the wait
 * for the gateway included). Costs nothing unless a recording is running.
 */
@Name("dev.stowage.EntityLoad")
@Label("Entity Load")
@Category({"Stowage", "Entities"})
@Description("A manifest entity loaded its stored manifest")
@StackTrace(false)
public final class EntityLoadEvent extends jdk.jfr.Event {
  @Label("Manifest")
  public String manifest;

  @Label("Found")
  @Description("A row was stored for the manifest")
  public boolean found;

  @Label("Used")
  @Description("The loaded value became the cached one (false: a write won the race, INV-4, or it was corrupt)")
  public boolean used;
}
