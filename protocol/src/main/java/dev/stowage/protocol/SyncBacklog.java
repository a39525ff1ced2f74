package dev.stowage.protocol;

/**
 * What is waiting to be uploaded (SPEC 6b, {@code getOutboundSyncBacklog}): what a client shows as
 * "12 files, 340 MB to upload".
 *
 * @param pendingEntries how many entries need sync, cached dirty ones included (INV-5)
 * @param pendingBytes the sum of the plaintext sizes of the chunks stored locally: written, not yet
 *     promoted to the block cache after their upload
 */
public record SyncBacklog(long pendingEntries, long pendingBytes) implements CborSerializable {

  public SyncBacklog {
    Require.nonNegative(pendingEntries, "pending entries");
    Require.nonNegative(pendingBytes, "pending bytes");
  }
}
