package dev.stowage.cluster;

import dev.stowage.actors.entity.ManifestBackend;

/**
 * The tag of a manifest's durable-state row, which Stowage uses as its sync index so that the
 * need-sync query runs in SQL without decrypting payloads: {@code sync:<base version>} (the
 * manifest has local changes), {@code clean:<base version>}, or {@code deleted} (cleared; the row is
 * a tombstone with an empty payload, so revisions keep counting up).
 */
record SyncTag(boolean deleted, boolean needSync, long baseVersion) {
  static final String DELETED = "deleted";

  static SyncTag of(ManifestBackend.Flush flush) {
    return new SyncTag(flush.deletes(), flush.needSync(), flush.baseVersion());
  }

  static SyncTag parse(String tag) {
    if (tag == null || tag.equals(DELETED)) {
      return new SyncTag(true, false, 0);
    }
    int colon = tag.indexOf(':');
    return new SyncTag(false, tag.startsWith("sync:"), Long.parseLong(tag.substring(colon + 1)));
  }

  String text() {
    return deleted ? DELETED : (needSync ? "sync:" : "clean:") + baseVersion;
  }
}
