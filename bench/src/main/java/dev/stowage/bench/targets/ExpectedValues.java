package dev.stowage.bench.targets;

import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** How the peers check a tree transaction (W7) before they write it: every entry holds its expected value. */
final class ExpectedValues {
  private ExpectedValues() {}

  /** What a peer reads for a check: the cached or stored value, or null. */
  @FunctionalInterface
  interface Reader {
    LocalManifest current(EntryId id) throws Exception;
  }

  /** @throws ConflictException naming the entries whose current value is not the expected one */
  static void check(List<ManifestChange> changes, Reader reader) throws Exception {
    Set<EntryId> differing = new TreeSet<>();
    for (ManifestChange change : changes) {
      if (!Objects.equals(change.expected().orElse(null), reader.current(change.id()))) {
        differing.add(change.id());
      }
    }
    if (!differing.isEmpty()) {
      throw new ConflictException(differing);
    }
  }
}
