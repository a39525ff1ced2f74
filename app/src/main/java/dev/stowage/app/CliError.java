package dev.stowage.app;

/**
 * A failure the user can act on: printed as one line, without a stack trace, and the command
 * exits with {@link #exitCode()}.
 */
public final class CliError extends RuntimeException {
  private final int exitCode;

  public CliError(String message) {
    this(message, ExitCodes.ERROR, null);
  }

  public CliError(String message, Throwable cause) {
    this(message, ExitCodes.ERROR, cause);
  }

  public CliError(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
