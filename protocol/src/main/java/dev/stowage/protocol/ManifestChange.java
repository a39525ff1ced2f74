package dev.stowage.protocol;

import java.util.Optional;
import java.util.Set;

/**
 * One entry of a tree transaction ({@code WorkspaceStorage.updateManifests}): write {@code updated}
 * as the value of {@code id}, but only if the entry's current value is {@code expected}.
 *
 * @param id the entry to change
 * @param expected the value the caller read and based {@code updated} on: the transaction applies
 *     only if the entry's current value (cached or stored, a cache-only write included) equals it;
 *     {@code Optional.empty()} if the entry must have no value (a file being created)
 * @param updated the new value; its {@code id()} is {@code id}
 * @param removedChunkIds the chunks {@code updated} no longer references: deleted in the
 *     transaction that writes it (INV-2)
 */
public record ManifestChange(EntryId id, Optional<LocalManifest> expected, LocalManifest updated,
    Set<ChunkId> removedChunkIds) {

  /** A change that removes no chunk. */
  public ManifestChange(EntryId id, Optional<LocalManifest> expected, LocalManifest updated) {
    this(id, expected, updated, Set.of());
  }

  /** Creates {@code created}: the entry must have no value yet. */
  public static ManifestChange create(LocalManifest created) {
    return new ManifestChange(created.id(), Optional.empty(), created, Set.of());
  }

  /** Replaces {@code current} with {@code updated} (same id): the entry must still hold {@code current}. */
  public static ManifestChange replace(LocalManifest current, LocalManifest updated) {
    return new ManifestChange(updated.id(), Optional.of(current), updated, Set.of());
  }
}
