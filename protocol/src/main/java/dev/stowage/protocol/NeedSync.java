package dev.stowage.protocol;

import java.util.Set;

/**
 * The entries that need synchronising: {@code local} have changes to upload (their cached or
 * stored manifest has {@code needSync}; the cache wins over the database), {@code remote} have a
 * newer remote version to download (stored {@code base_version != remote_version}).
 *
 * @param local the entries whose manifest, cached or stored, has {@code needSync}: changes to upload
 * @param remote the stored entries whose remote version (raised by {@code updateRealmCheckpoint})
 *     differs from their manifest's {@code baseVersion}: a newer version to download
 */
public record NeedSync(Set<EntryId> local, Set<EntryId> remote) {

  public NeedSync {
    local = Set.copyOf(Require.nonNull(local, "local"));
    remote = Set.copyOf(Require.nonNull(remote, "remote"));
  }
}
