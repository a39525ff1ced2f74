package dev.stowage.cluster;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;
import scala.concurrent.duration.FiniteDuration;

/**
 * Has Cluster Sharding allocate every shard of a workspace's entities soon after the workspace
 * opens, instead of when the first command for each arrives: the coordinator allocates one shard
 * at a time, each a write to the cluster's nodes, so a hundred of them at the first commands made
 * those wait for seconds (the 3-node demo's first durable writes, issue 15).
 *
 * <p><b>When.</b> Once the coordinator knows a region of the workspace on every Up member (asked
 * every 200 ms), or after {@value #WAIT_FOR_REGIONS_SECONDS} s: the coordinator gives each shard to
 * the region with the fewest, so shards allocated while only the first node to open had its region
 * would all go there, and the rebalancing that follows hands shards off while commands arrive
 * (Pekko's region drops a command it buffered for a shard being handed off, to keep their order:
 * the caller gets {@link dev.stowage.protocol.NotDeliveredException}, {@link DroppedCommands}).
 *
 * <p><b>How.</b> One message per shard, to an entity of its own in that shard (an id no manifest is
 * given: {@code 53544f57-...}, "STOW" and a counter): {@link EntityCommand.Lifecycle#ASK_HOST_TO_STOP},
 * which starts the entity (no load: an entity reads its row only when asked for it) and has it ask
 * its shard to stop it at once. Nothing waits for it: commands that arrive meanwhile queue at the
 * coordinator as they would have.
 */
public final class ShardPreallocation {
  private static final long MARKER = 0x5354_4f57_0000_0000L; // "STOW"
  static final int WAIT_FOR_REGIONS_SECONDS = 30;
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration ALLOCATION_POLL = Duration.ofMillis(100);

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

  /**
   * Once every Up member has a region of {@code workspaceId} (or the wait is over), sends the
   * message that allocates each of its {@code shards} shards.
   */
  static void allocateAll(ActorSystem<?> system, ActorRef<ShardingEnvelope<Object>> region, String workspaceId,
      int shards) {
    Polling.until(system, Duration.ofSeconds(WAIT_FOR_REGIONS_SECONDS), POLL,
            () -> WorkspacePeers.regions(system, workspaceId, POLL),
            (regions, error) -> error != null || !regions.containsAll(upMembers(system)))
        .whenComplete((regions, error) -> {
          for (EntryId id : oneEntryPerShard(workspaceId, shards)) {
            region.tell(new ShardingEnvelope<>(ManifestIds.entityId(workspaceId, id), EntityCommand.Lifecycle.ASK_HOST_TO_STOP));
          }
        });
  }

  private static Set<Address> upMembers(ActorSystem<?> system) {
    Set<Address> members = new HashSet<>();
    Cluster.get(system).state().getMembers().forEach(member -> {
      if (member.status().equals(MemberStatus.up())) {
        members.add(member.address());
      }
    });
    return members;
  }

  /**
   * Completes with the number of shards once every one of the workspace's {@code
   * stowage.cluster.number-of-shards} shards has a home (asked of the cluster's regions every 100
   * ms), so that a host can start its load after the start-up allocations rather than behind them;
   * fails with {@link StorageUnavailableException} if they are not all allocated within {@code
   * timeout}. Call it on a node where {@code workspaceId} is open.
   */
  public static CompletionStage<Integer> awaitAllocated(ActorSystem<?> system, String workspaceId, Duration timeout) {
    int shards = ClusterSettings.fromConfig(system.settings().config()).numberOfShards();
    return Polling.until(system, timeout, ALLOCATION_POLL, () -> allocatedShards(system, workspaceId),
            (homed, error) -> homed < shards)
        .thenApply(homed -> {
          if (homed < shards) {
            throw new StorageUnavailableException("workspace '" + workspaceId + "': " + homed + " of its " + shards
                + " shards allocated when the wait ended");
          }
          return homed;
        });
  }

  /** How many shards of the workspace the cluster's regions run; 0 if they did not all answer. */
  private static CompletionStage<Integer> allocatedShards(ActorSystem<?> system, String workspaceId) {
    FiniteDuration ask = FiniteDuration.create(ALLOCATION_POLL.toMillis() * 10, TimeUnit.MILLISECONDS);
    return PlainFutures.of(Patterns.ask(ManifestIds.classicRegion(system, workspaceId),
            new ShardRegion.GetClusterShardingStats(ask), Duration.ofMillis(ask.toMillis() * 2)))
        .handle((answer, error) -> {
          int homed = 0;
          if (error == null) {
            for (ShardRegion.ShardRegionStats region : ((ShardRegion.ClusterShardingStats) answer).getRegions().values()) {
              homed += region.getStats().size();
            }
          }
          return homed;
        });
  }

  /** Whether {@code id} names one of this class's entities (never a manifest's). */
  static boolean isOwn(EntryId id) {
    return id.value().getMostSignificantBits() == MARKER;
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
