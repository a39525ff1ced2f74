package dev.stowage.protocol;

/**
 * The call never reached the entity of its entry, so nothing of it was applied: in cluster mode,
 * Cluster Sharding dropped it on its way. When a shard is handed off to another node (a node joined
 * the cluster, or is leaving it), its region drops the commands it had buffered for the shard, to
 * keep their order; a command sent to an entity that had just stopped is dropped too. Unlike after
 * a timeout, the outcome is known: sending the call again applies it once. The façade sends reads
 * and ensures again itself. A write, a clear, a populate and a tree transaction ({@code
 * updateManifests}: none of its changes applied) fail with it, and the caller decides whether to
 * send it again (a write of the same value, say): sent again, it comes after whatever the caller
 * sent on the entry meanwhile. Local mode never reports it.
 */
public final class NotDeliveredException extends StorageUnavailableException {
  private static final long serialVersionUID = 1L;

  public NotDeliveredException(String message) {
    super(message, false);
  }
}
