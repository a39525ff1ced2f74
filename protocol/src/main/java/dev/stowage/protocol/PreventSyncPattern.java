package dev.stowage.protocol;

/**
 * The prevent-sync pattern of a workspace: a regular expression of entry names that must not be
 * synchronised, and whether the synchronisation layer has applied it to every entry yet.
 *
 * @param regex the pattern, its flags inline (e.g. {@code (?i)}); {@link #DEFAULT_REGEX} until one is set
 * @param fullyApplied whether {@code markPreventSyncPatternFullyApplied} was called with this
 *     pattern since it was set
 */
public record PreventSyncPattern(String regex, boolean fullyApplied) {

  /** What a new workspace starts with: matches nothing. */
  public static final String DEFAULT_REGEX = "^\\b$";

  public PreventSyncPattern {
    Require.nonNull(regex, "prevent-sync pattern");
  }
}
