package dev.stowage.cluster;

import dev.stowage.protocol.EntryId;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * How a manifest of a workspace is named in the cluster: its workspace's sharding entity type
 * ({@code stowage-manifest-<workspace>}), its sharding entity id ({@code
 * <workspace>|<entry id>}) and its durable-state persistence id ({@code stowage|<workspace>|<entry
 * id>}). The entry id is a UUID of fixed length at the end, so a workspace id may hold any
 * character.
 */
final class ManifestIds {
  private static final String PERSISTENCE_PREFIX = "stowage|";
  private static final int UUID_LENGTH = 36;

  private ManifestIds() {}

  static String entityId(String workspaceId, EntryId id) {
    return workspaceId + "|" + id.value();
  }

  static EntryId entryOfEntityId(String entityId) {
    return EntryId.parse(entityId.substring(entityId.length() - UUID_LENGTH));
  }

  static String persistenceId(String workspaceId, EntryId id) {
    return persistencePrefix(workspaceId) + id.value();
  }

  /** What every persistence id of the workspace starts with. */
  static String persistencePrefix(String workspaceId) {
    return PERSISTENCE_PREFIX + workspaceId + "|";
  }

  static EntryId entryOfPersistenceId(String persistenceId) {
    return EntryId.parse(persistenceId.substring(persistenceId.length() - UUID_LENGTH));
  }

  /** The sharding entity type of {@code workspaceId}'s manifests: one per workspace. */
  static EntityTypeKey<Object> typeKey(String workspaceId) {
    return EntityTypeKey.create(Object.class, "stowage-manifest-" + workspaceId);
  }

  /** The classic ref of this node's shard region of {@code workspaceId}'s entities, for its queries. */
  static org.apache.pekko.actor.ActorRef classicRegion(ActorSystem<?> system, String workspaceId) {
    return ClusterSharding.get(Adapter.toClassic(system)).shardRegion(typeKey(workspaceId).name());
  }
}
