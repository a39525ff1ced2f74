package dev.stowage.protocol;

/**
 * A workspace-wide call could not be completed because a node it needs did not answer in time: in
 * cluster mode, need-sync and {@code clearMemoryCache} ask every node that hosts the workspace's
 * entities, and one of them is unreachable, or the shard coordinator that knows them is moving.
 * Nothing was lost and the workspace stays open: what the reachable nodes did (a flush, say)
 * stands, and the call can be retried once the cluster has settled (the unreachable node downed,
 * or back). Local mode never reports it. Its subclass {@link NotDeliveredException} says that one
 * call on an entry was dropped on its way to the entry's entity, and was not applied.
 */
public class StorageUnavailableException extends StorageException {
  private static final long serialVersionUID = 1L;

  public StorageUnavailableException(String message) {
    super(message);
  }

  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
