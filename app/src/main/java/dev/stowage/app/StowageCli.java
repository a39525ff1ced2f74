package dev.stowage.app;

import com.typesafe.config.ConfigException;
import dev.stowage.app.backup.BackupCommand;
import dev.stowage.app.backup.RestoreCommand;
import dev.stowage.app.check.FsckCommand;
import dev.stowage.app.check.InspectCommand;
import dev.stowage.app.cluster.GcCommand;
import dev.stowage.app.crash.CrashTestCommand;
import dev.stowage.app.demo.DemoCommand;
import dev.stowage.app.node.NodeCommand;
import dev.stowage.bench.BenchCommand;
import dev.stowage.protocol.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/** {@code stowage}: the command line of the example host application. */
@Command(name = "stowage", mixinStandardHelpOptions = true, version = "stowage 0.1.0",
    description = "Embedded, crash-safe local storage on SQLite behind Pekko actors: demo and tools.",
    footer = {"", "Exit codes: 0 fine, 1 a check found something, 2 wrong command line, 3 could not do its job"
        + " (with a one-line message).",
        "The library's and Pekko's logs stay off the terminal; -Dstowage.log=warn (or error, info, debug) shows"
        + " them, e.g. STOWAGE_JAVA_OPTS=-Dstowage.log=warn bin/stowage demo."},
    subcommands = {DemoCommand.class, InspectCommand.class, FsckCommand.class, BackupCommand.class,
        RestoreCommand.class, BenchCommand.class,
        CrashTestCommand.class, GcCommand.class, NodeCommand.class, CommandLine.HelpCommand.class})
public final class StowageCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs one command line and returns its exit code ({@link ExitCodes}); tests call this in-process. */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The command line with its error handling: a one-line message for every error a user can act on. */
  public static CommandLine commandLine() {
    // Initialize logging before Pekko's threads log concurrently (SLF4J would warn about it).
    LoggerFactory.getILoggerFactory();
    return new CommandLine(new StowageCli())
        .setExecutionExceptionHandler(StowageCli::handle);
  }

  private static int handle(Exception thrown, CommandLine command, ParseResult parsed) {
    Throwable error = unwrap(thrown);
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    if (error instanceof CliError cliError) {
      err.println(name + ": " + cliError.getMessage());
      return cliError.exitCode();
    }
    if (error instanceof StorageException || error instanceof ConfigException || error instanceof IOException
        || error instanceof UncheckedIOException) {
      err.println(name + ": " + error.getClass().getSimpleName() + ": " + error.getMessage());
      return ExitCodes.ERROR;
    }
    err.println(name + ": internal error (a bug in Stowage; please report it with this trace):");
    error.printStackTrace(err);
    return ExitCodes.INTERNAL;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException) && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
