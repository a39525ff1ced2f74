package dev.stowage.protocol;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A conditional write found another value than the one it expected ({@code
 * WorkspaceStorage.updateManifests}): nothing was changed. Read the entries again, rebuild the
 * change on what they hold now, and retry.
 */
public final class ConflictException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final Set<EntryId> ids;

  public ConflictException(Set<EntryId> ids) {
    super(describe(ids));
    this.ids = Collections.unmodifiableSet(new TreeSet<>(ids));
  }

  /** The form another node rebuilds (the ids are in the message only). */
  public ConflictException(String message) {
    super(message);
    this.ids = Set.of();
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
    this.ids = Set.of();
  }

  /** The entries whose current value was not the expected one. */
  public Set<EntryId> ids() {
    return ids;
  }

  private static String describe(Set<EntryId> ids) {
    return "nothing was changed: " + (ids.size() == 1 ? "entry " : ids.size() + " entries ") + new TreeSet<>(ids)
        + (ids.size() == 1 ? " holds" : " hold") + " another value than the one expected (read again and retry)";
  }
}
