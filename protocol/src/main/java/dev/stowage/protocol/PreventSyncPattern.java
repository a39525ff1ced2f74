package dev.stowage.protocol;

/**
 * The prevent-sync pattern of a workspace: a regular expression of entry names that must not be
 * synchronised, and whether the synchronisation layer has applied it to every entry yet.
 */
public record PreventSyncPattern(String regex, boolean fullyApplied) {

  /** What a new workspace starts with: matches nothing. */
  public static final String DEFAULT_REGEX = "^\\b$";

  public PreventSyncPattern {
    Require.nonNull(regex, "prevent-sync pattern");
  }
}
