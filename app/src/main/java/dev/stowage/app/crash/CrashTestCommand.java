package dev.stowage.app.crash;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stowage crash-test}: SIGKILL a writer many times and count what was lost. */
@Command(name = "crash-test", mixinStandardHelpOptions = true,
    header = "Kill a writer with SIGKILL many times and count what was lost.",
    description = "Starts a writer in a child JVM, kills it with SIGKILL at a random moment, reopens its workspace and "
        + "checks that every acknowledged write reads back, no manifest references a missing chunk, every row "
        + "decrypts and PRAGMA integrity_check is ok. Ends with one line: trials=N acknowledged=M lost=0 "
        + "dangling=0 integrity=ok. Exits 1 if anything was lost.")
public final class CrashTestCommand implements Callable<Integer> {
  @Option(names = "--trials", defaultValue = "20", description = "Number of kills (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(names = "--dir", description = "Where trial workspaces go (default: a new temporary directory).")
  Path dir;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the first trial (default: ${DEFAULT-VALUE}).")
  long seed;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("stowage-crash-");
    PrintWriter out = spec.commandLine().getOut();
    out.println("crash-test: " + trials + " trials in " + root);
    out.flush();
    CrashTrials.Summary summary = CrashTrials.run(root, trials, seed, out);
    summary.problems().forEach(problem -> out.println("  " + problem));
    out.println(summary.line());
    out.flush();
    return summary.clean() ? 0 : 1;
  }
}
