package dev.stowage.cluster;

import dev.stowage.actors.ManifestEntity;
import dev.stowage.actors.StorageSettings;
import dev.stowage.protocol.EntryId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * Has Cluster Sharding allocate every shard of a workspace's entities as soon as the workspace
 * opens, instead of when the first command for each arrives: the coordinator allocates one shard
 * at a time, each a write to the cluster's nodes, so a hundred of them at the first commands made
 * those wait for seconds (the 3-node demo's first durable writes, issue 15).
 *
 * <p>It sends one message per shard, to an entity of its own in that shard (an id no manifest is
 * given: {@code 53544f57-...}, "STOW" and the shard's index): {@link ManifestEntity.Control#PASSIVATE},
 * which starts the entity (no load: an entity reads its row only when asked for it) and has it ask
 * its shard to stop it at once. Nothing waits for it: the commands that arrive meanwhile queue at
 * the coordinator as they would have.
 */
final class ShardPreallocation {
  private static final long MARKER = 0x5354_4f57_0000_0000L; // "STOW"

  private ShardPreallocation() {}

  /**
   * Whether to preallocate: {@code stowage.cluster.preallocate-shards}, unless {@code
   * entity.max-active} is below twice the shards. Its entities count against that limit while they
   * live, and under a limit that small they would push the workspace's own entities out (flushing
   * them early, and again and again).
   */
  static boolean worthIt(ClusterSettings cluster, StorageSettings storage) {
    return cluster.preallocateShards() && storage.maxActive() >= 2L * cluster.numberOfShards();
  }

  /** Sends the message that allocates each of the {@code shards} shards of {@code workspaceId}. */
  static void allocateAll(ActorRef<ShardingEnvelope<Object>> region, String workspaceId, int shards) {
    for (EntryId id : oneEntryPerShard(workspaceId, shards)) {
      region.tell(new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, id), ManifestEntity.Control.PASSIVATE));
    }
  }

  /** An entry id of each shard, in shard order: the first of {@code STOW-0000-...-k} that falls in it. */
  static List<EntryId> oneEntryPerShard(String workspaceId, int shards) {
    HashCodeMessageExtractor<Object> extractor = new HashCodeMessageExtractor<>(shards);
    EntryId[] found = new EntryId[shards];
    int missing = shards;
    for (long k = 0; missing > 0; k++) {
      EntryId id = new EntryId(new UUID(MARKER, k));
      int shard = Integer.parseInt(extractor.shardId(ManifestIds.entityId(workspaceId, id)));
      if (found[shard] == null) {
        found[shard] = id;
        missing--;
      }
    }
    return new ArrayList<>(List.of(found));
  }
}
