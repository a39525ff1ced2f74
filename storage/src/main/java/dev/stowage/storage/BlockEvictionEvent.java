package dev.stowage.storage;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: the block cache evicting its least recently accessed blocks, inside the transaction of the
 * insert that went past the limit (INV-13). Costs nothing unless a recording is running.
 */
@Name("dev.stowage.BlockEviction")
@Label("Block Eviction")
@Category({"Stowage", "Database"})
@Description("The block cache evicted least recently accessed blocks")
@StackTrace(false)
final class BlockEvictionEvent extends jdk.jfr.Event {
  @Label("Evicted")
  int evicted;

  @Label("Blocks Before")
  long blocksBefore;

  @Label("Limit")
  long limit;
}
