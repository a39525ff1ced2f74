package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What a workspace's change feed ({@code WorkspaceStorage.changes()}) tells its subscribers: the UI
 * refreshes a folder when an entry changes, the sync engine wakes when something needs uploading.
 *
 * <p>Guarantees (see the README's "Change feed"):
 *
 * <ul>
 *   <li>An event is emitted once its change is visible: when a cache-only write is accepted, when a
 *       durable write, a populate, a transaction or a checkpoint update is committed.
 *   <li>Events of one entry come in the order of its changes.
 *   <li>A subscriber's buffer is bounded. If it fills up, events are dropped for that subscriber
 *       only, and the next event it gets is {@link EventsMissed}, with how many it missed: resync
 *       (page through {@code getOutboundNeedSync}, re-read what is shown). Nothing is dropped
 *       without it.
 *   <li>The feed ends with {@link WorkspaceClosed} or {@link WorkspaceFailed}, then completes.
 * </ul>
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
  @JsonSubTypes.Type(value = WorkspaceEvent.ManifestChanged.class, name = "manifest-changed"),
  @JsonSubTypes.Type(value = WorkspaceEvent.OutboundBacklogChanged.class, name = "backlog-changed"),
  @JsonSubTypes.Type(value = WorkspaceEvent.ChunkPromoted.class, name = "chunk-promoted"),
  @JsonSubTypes.Type(value = WorkspaceEvent.EventsMissed.class, name = "events-missed"),
  @JsonSubTypes.Type(value = WorkspaceEvent.WorkspaceClosed.class, name = "closed"),
  @JsonSubTypes.Type(value = WorkspaceEvent.WorkspaceFailed.class, name = "failed")
})
public sealed interface WorkspaceEvent extends CborSerializable {

  /** What changed a manifest. */
  enum ChangeCause {
    /** {@code setManifest}: accepted (cache-only) or committed. */
    LOCAL_WRITE,
    /** {@code populateManifest} stored what the server sent. */
    POPULATE,
    /** {@code updateManifests}: one event per entry of the committed transaction. */
    TRANSACTION,
    /** {@code clearManifest} removed it. */
    CLEARED,
    /** {@code updateRealmCheckpoint} raised its remote version: the server has a newer one. */
    CHECKPOINT
  }

  /**
   * A manifest changed.
   *
   * @param needSync for {@link ChangeCause#CHECKPOINT}: true, the entry needs inbound sync (its
   *     remote version is above its base version); for the other causes: the new value's {@code
   *     needSync}, whether it needs uploading (false for {@link ChangeCause#CLEARED})
   */
  record ManifestChanged(EntryId id, boolean needSync, ChangeCause cause) implements WorkspaceEvent {}

  /**
   * The outbound backlog is now {@code backlog}: emitted after changes, at most once per {@code
   * stowage.feed.backlog-interval}, only when it differs from the last one emitted.
   */
  record OutboundBacklogChanged(SyncBacklog backlog) implements WorkspaceEvent {}

  /** {@code promoteChunkToBlock} moved chunk {@code id} to the block cache. */
  record ChunkPromoted(ChunkId id) implements WorkspaceEvent {}

  /**
   * This subscriber's buffer was full and {@code count} events were dropped for it (only for it):
   * what it shows may be stale, resync.
   */
  record EventsMissed(long count) implements WorkspaceEvent {}

  /** The workspace was closed on this node: the last event, then the feed completes. */
  record WorkspaceClosed() implements WorkspaceEvent {}

  /** The workspace failed ({@code reason}): the last event, then the feed completes. */
  record WorkspaceFailed(String reason) implements WorkspaceEvent {}
}
