package dev.stowage.app.crash;

import dev.stowage.app.CliError;
import dev.stowage.storage.Durability;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stowage crash-test}: SIGKILL a writer, or cut its power, many times and count what was lost. */
@Command(name = "crash-test", mixinStandardHelpOptions = true,
    header = "Kill a writer with SIGKILL (or cut its power) many times and count what was lost.",
    description = "Starts a writer in a child JVM, kills it with SIGKILL at a random moment, reopens its workspace and "
        + "checks that every acknowledged write reads back, no manifest references a missing chunk, every row "
        + "decrypts and PRAGMA integrity_check is ok. Ends with one line: trials=N acknowledged=M lost=0 "
        + "dangling=0 integrity=ok. Exits 1 if anything was lost.%n%n"
        + "With --power-loss the writer runs over a SQLite VFS that keeps every write in memory until it is synced, "
        + "and its power is cut instead: unsynced writes are lost or garbled (compiled at run time: needs gcc and "
        + "sqlite3ext.h, Debian's libsqlite3-dev). With --durability full nothing acknowledged may be lost; with "
        + "normal, writes acknowledged after the last sync of the WAL may be (they are counted as lost, and "
        + "unsynced= says how many were at risk), any other loss is a failure (lost-synced=).")
public final class CrashTestCommand implements Callable<Integer> {
  @Option(names = "--trials", defaultValue = "20", description = "Number of kills (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(names = "--dir", description = "Where trial workspaces go (default: a new temporary directory).")
  Path dir;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the first trial (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--power-loss", description = "Cut the writer's power instead of killing it.")
  boolean powerLoss;

  @Option(names = "--durability", defaultValue = "normal", paramLabel = "normal|full",
      description = "stowage.durability of the writer (default: ${DEFAULT-VALUE}).")
  String durability;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Durability chosen = durability();
    if (powerLoss) {
      try {
        PowerCutLayer.library(); // before anything is printed or created: it may be missing
      } catch (PowerCutLayer.UnavailableException e) {
        throw new CliError("--power-loss: " + e.getMessage(), e);
      }
    }
    CrashTrials.Fault fault = powerLoss ? CrashTrials.Fault.POWER_LOSS : CrashTrials.Fault.SIGKILL;
    Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("stowage-crash-");
    PrintWriter out = spec.commandLine().getOut();
    String what = powerLoss ? " power-loss trials (durability=" + chosen.name().toLowerCase(Locale.ROOT) + ")" : " trials";
    out.println("crash-test: " + trials + what + " in " + root);
    out.flush();
    CrashTrials.Summary summary;
    try {
      summary = CrashTrials.run(root, trials, seed, fault, chosen, out);
    } catch (PowerCutLayer.UnavailableException e) {
      throw new CliError("--power-loss: " + e.getMessage(), e);
    }
    summary.problems().forEach(problem -> out.println("  " + problem));
    out.println(summary.line());
    out.flush();
    return summary.clean() ? 0 : 1;
  }

  private Durability durability() {
    try {
      return Durability.valueOf(durability.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--durability must be normal or full, got '" + durability + "'");
    }
  }
}
