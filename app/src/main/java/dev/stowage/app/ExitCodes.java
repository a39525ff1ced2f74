package dev.stowage.app;

/** Exit codes of every {@code stowage} command. */
public final class ExitCodes {
  /** The command did its job and found nothing wrong. */
  public static final int OK = 0;
  /** The command ran, and what it checked is not right: a failed check, a finding, a lost write. */
  public static final int FINDINGS = 1;
  /** The command line is wrong (picocli's usage error). */
  public static final int USAGE = 2;
  /** The command could not do its job: missing directory, wrong key, invalid configuration, locked or corrupt database. */
  public static final int ERROR = 3;
  /** A bug: an exception nobody expected. Printed with its stack trace. */
  public static final int INTERNAL = 70;

  private ExitCodes() {}
}
