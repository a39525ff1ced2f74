package dev.stowage.app.crash;

import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs crash trials: each starts a {@link CrashWorkload} in a child JVM on a fresh workspace,
 * kills it with SIGKILL at a random moment while it writes, and verifies what is on disk with
 * {@link CrashVerifier}. Seeds make a run repeatable (the kill moment and the workload; the exact
 * interleaving still varies).
 */
public final class CrashTrials {
  /** Kill between these many milliseconds after the writer said it is ready. */
  private static final int MIN_KILL_DELAY_MS = 50;
  private static final int MAX_KILL_DELAY_MS = 1500;

  /** The totals of a run. */
  public record Summary(int trials, int killed, long acknowledged, long lost, long dangling, long undecryptable,
      int integrityFailures, List<String> problems) {

    public boolean clean() {
      return killed == trials && lost == 0 && dangling == 0 && undecryptable == 0 && integrityFailures == 0;
    }

    /** The one-line result: {@code trials=N acknowledged=M lost=0 dangling=0 integrity=ok}. */
    public String line() {
      return "trials=" + trials + " acknowledged=" + acknowledged + " lost=" + lost + " dangling=" + dangling
          + " integrity=" + (integrityFailures == 0 && undecryptable == 0 ? "ok" : "FAILED(" + (integrityFailures + undecryptable) + ")")
          + (killed == trials ? "" : " killed=" + killed);
    }
  }

  private CrashTrials() {}

  /** Runs {@code trials} trials in directories under {@code root}, reporting each on {@code progress}. */
  public static Summary run(Path root, int trials, long firstSeed, PrintWriter progress)
      throws IOException, InterruptedException {
    int killed = 0;
    long acknowledged = 0;
    long lost = 0;
    long dangling = 0;
    long undecryptable = 0;
    int integrityFailures = 0;
    List<String> problems = new ArrayList<>();
    for (int trial = 0; trial < trials; trial++) {
      long seed = firstSeed + trial;
      Path dir = root.resolve("trial-" + seed);
      Outcome outcome = trial(dir, seed);
      CrashVerifier.Report report = outcome.report();
      killed += outcome.killedWhileWriting() ? 1 : 0;
      acknowledged += report.acknowledged();
      lost += report.lost();
      dangling += report.dangling();
      undecryptable += report.undecryptable();
      integrityFailures += report.integrityFailures();
      report.problems().forEach(problem -> problems.add("seed " + seed + ": " + problem));
      if (!outcome.killedWhileWriting()) {
        problems.add("seed " + seed + ": the writer was not running when killed: " + outcome.writerOutput());
      }
      progress.printf("trial %d/%d seed=%d killed after %d ms: acknowledged=%d lost=%d dangling=%d%s%n",
          trial + 1, trials, seed, outcome.killDelayMillis(), report.acknowledged(), report.lost(), report.dangling(),
          report.clean() ? "" : " PROBLEMS");
      progress.flush();
      if (report.clean() && outcome.killedWhileWriting()) {
        deleteRecursively(dir);
      }
    }
    return new Summary(trials, killed, acknowledged, lost, dangling, undecryptable, integrityFailures, problems);
  }

  private record Outcome(CrashVerifier.Report report, boolean killedWhileWriting, long killDelayMillis, String writerOutput) {}

  private static Outcome trial(Path dir, long seed) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("workspace.key");
    LocalKey key = LocalKey.generate();
    key.save(keyFile);
    Path ackLog = dir.resolve("acks.log");
    Path writerLog = dir.resolve("writer.log");
    Path base = dir.resolve("data");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process writer = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), CrashWorkload.class.getName(),
            base.toString(), keyFile.toString(), ackLog.toString(), Long.toString(seed))
        .redirectError(writerLog.toFile())
        .start();
    long delay = MIN_KILL_DELAY_MS + new Random(seed).nextInt(MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS);
    boolean ready = awaitReady(writer);
    boolean killedWhileWriting = false;
    if (ready) {
      killedWhileWriting = !writer.waitFor(delay, TimeUnit.MILLISECONDS); // still writing at the kill
    }
    writer.destroyForcibly(); // SIGKILL
    writer.waitFor(30, TimeUnit.SECONDS);
    String output = Files.exists(writerLog) ? Files.readString(writerLog) : "";
    CrashVerifier.Report report = CrashVerifier.verify(base.resolve(CrashWorkload.WORKSPACE), new BlobCipher(key),
        ackLog, CrashWorkload.settings(base).blockLimit());
    return new Outcome(report, killedWhileWriting, delay, output.length() > 2000 ? output.substring(0, 2000) : output);
  }

  private static boolean awaitReady(Process writer) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("ready")) {
        return true;
      }
    }
    return false;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
