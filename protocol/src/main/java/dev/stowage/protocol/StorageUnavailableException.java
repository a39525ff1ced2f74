package dev.stowage.protocol;

/**
 * A call could not be completed because a node it needs did not answer in time, or this node is
 * cut off from the cluster's majority. In cluster mode: need-sync and {@code clearMemoryCache} ask
 * every node that hosts the workspace's entities, and one of them is unreachable, or the shard
 * coordinator that knows them is moving; or this node cannot reach a majority of the cluster (the
 * minority side of a partition), or has been downed, and refuses its calls rather than have them
 * wait for {@code ask-timeout}. Nothing acknowledged was lost and the workspace stays open where
 * the majority is: the call can be retried once the cluster has settled (the unreachable node
 * downed, or back), or on a node of the majority. Local mode never reports it.
 *
 * <p>{@link #outcomeUnknown()} says whether the call may have taken effect: false when it was
 * refused before anything was sent, or (its subclass {@link NotDeliveredException}) dropped on its
 * way to the entry's entity; true when it was in flight (a write may then have been applied, as
 * after a timeout).
 */
public class StorageUnavailableException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final boolean outcomeUnknown;

  /** A call whose outcome is unknown. */
  public StorageUnavailableException(String message) {
    this(message, true);
  }

  public StorageUnavailableException(String message, boolean outcomeUnknown) {
    super(message);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** A call whose outcome is unknown. */
  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
    this.outcomeUnknown = true;
  }

  /** Whether the call may have taken effect (it was sent); false: nothing was sent. */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
