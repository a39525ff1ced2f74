package dev.stowage.bench.workloads;

import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.bench.targets.TargetOptions;
import dev.stowage.storage.Durability;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** What a workload needs from the run: its sizes, fresh directories for its targets, a progress log. */
public final class BenchContext {
  private final BenchProfile profile;
  private final Path workDir;
  private final PrintStream log;
  private final Predicate<String> scenarios;

  /**
   * @param workDir where each target gets its own fresh temporary directory (deleted after use)
   * @param scenarios the result rows wanted (see {@link #wants})
   */
  public BenchContext(BenchProfile profile, Path workDir, PrintStream log, Predicate<String> scenarios) {
    this.profile = profile;
    this.workDir = workDir;
    this.log = log;
    this.scenarios = scenarios;
  }

  public BenchContext(BenchProfile profile, Path workDir, PrintStream log) {
    this(profile, workDir, log, scenario -> true);
  }

  /** Whether the row {@code scenario} is wanted: workloads skip the cases nobody asked for. */
  public boolean wants(String scenario) {
    return scenarios.test(scenario);
  }

  public BenchProfile profile() {
    return profile;
  }

  public PrintStream log() {
    return log;
  }

  /** Where the targets' directories go (for the machine description: its file system). */
  public Path workDirForReport() {
    return workDir;
  }

  /** Opens {@code system} in a new empty directory with {@link TargetOptions#defaults} adjusted by {@code adjust}. */
  public OpenTarget open(SystemKind system, Durability durability, UnaryOperator<TargetOptions> adjust)
      throws Exception {
    Files.createDirectories(workDir);
    Path dir = Files.createTempDirectory(workDir, "stowage-bench-" + system.id() + "-");
    try {
      return new OpenTarget(system.open(adjust.apply(TargetOptions.defaults(dir, durability))), dir);
    } catch (Exception | Error e) {
      deleteRecursively(dir);
      throw e;
    }
  }

  /** A target and the directory it owns: closing closes the target and deletes the directory. */
  public record OpenTarget(BenchTarget target, Path dir) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      try {
        target.close();
      } finally {
        deleteRecursively(dir);
      }
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
