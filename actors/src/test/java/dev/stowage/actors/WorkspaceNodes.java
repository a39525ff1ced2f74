package dev.stowage.actors;

import dev.stowage.protocol.EntryId;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The nodes a contract's clients call one workspace through. Local mode: one ActorSystem. Cluster
 * mode: the nodes of one cluster, each opening the same workspace with the same key; the entity of a
 * key lives on one of them and serves them all, so clients on different nodes share every key.
 */
public interface WorkspaceNodes {

  /** The systems, one per node; the workspace opens on each. */
  List<ActorSystem<?>> systems();

  /**
   * For each of {@code ids}, the index in {@link #systems()} of the node whose memory caches its
   * entry of {@code workspaceId}: the node whose {@code close} flushes it (cluster mode: the node
   * its shard lives on). Asked at the end of a run, of the keys it used.
   */
  Map<EntryId, Integer> cachingNodes(String workspaceId, Collection<EntryId> ids);

  /** One ActorSystem, which caches every entry (local mode). */
  static WorkspaceNodes single(ActorSystem<?> system) {
    return new WorkspaceNodes() {
      @Override
      public List<ActorSystem<?>> systems() {
        return List.of(system);
      }

      @Override
      public Map<EntryId, Integer> cachingNodes(String workspaceId, Collection<EntryId> ids) {
        return ids.stream().collect(Collectors.toMap(id -> id, id -> 0));
      }
    };
  }

  /**
   * Opens {@code workspaceId} with {@code key} on every node, in order, node {@code i} under
   * {@code baseDir/node<i>} (its own files: a block cache per node in cluster mode), with {@code
   * overrides} over the reference settings.
   */
  default List<WorkspaceStorage> open(String workspaceId, LocalKey key, Path baseDir, String overrides) {
    List<WorkspaceStorage> storages = new ArrayList<>();
    List<ActorSystem<?>> systems = systems();
    for (int i = 0; i < systems.size(); i++) {
      storages.add(Await.result(Stowage.open(systems.get(i), workspaceId, key,
          TestSettings.in(baseDir.resolve("node" + i), overrides))));
    }
    return storages;
  }
}
