package dev.stowage.app.crash;

import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs crash trials: each starts a {@link CrashWorkload} in a child JVM on a fresh workspace, ends
 * it at a random moment while it writes, and verifies what is on disk with {@link CrashVerifier}.
 * Seeds make a run repeatable (the moment, the cut's mode and the workload; the exact interleaving
 * still varies).
 *
 * <p>Two faults end the writer:
 *
 * <ul>
 *   <li>{@link Fault#SIGKILL}: the process dies, the kernel keeps everything it was given. Nothing
 *       acknowledged may be lost, at either durability.
 *   <li>{@link Fault#POWER_LOSS}: the writer runs over the {@link PowerCutLayer}, and the parent
 *       cuts its power, at once or at its next sync (a commit written, not yet durable): whatever
 *       SQLite did not sync is lost ({@link PowerCutLayer.CutMode#DROP}) or, write by write, lost,
 *       garbled or kept ({@link PowerCutLayer.CutMode#GARBLE}), each chosen by the seed. With
 *       {@code durability = full} nothing acknowledged may be lost; with {@code normal}, only what
 *       was acknowledged after the last sync of the data database's WAL (as the layer's sync log
 *       dates it): those losses are counted, not failures, and any other loss is one. At both,
 *       nothing may be corrupt or dangling.
 * </ul>
 */
public final class CrashTrials {
  /** Kill between these many milliseconds after the writer said it is ready. */
  private static final int MIN_KILL_DELAY_MS = 50;
  private static final int MAX_KILL_DELAY_MS = 1500;
  /**
   * Cut the power between these many milliseconds after the writer's first acknowledgement (it says
   * "ready" then): shorter than the kills, to keep the default run's trials quick, yet past a few
   * of the readers' checkpoints (every 100 ms), so that the WAL has been synced before the cut.
   */
  private static final int MIN_CUT_DELAY_MS = 150;
  private static final int MAX_CUT_DELAY_MS = 700;
  /** The WAL whose last sync bounds what {@code durability = normal} may lose: manifests live there. */
  private static final String DATA_WAL = DatabaseKind.DATA.fileName() + "-wal";

  /** How a trial ends its writer. */
  public enum Fault {
    /** SIGKILL: the process dies; what it wrote is in the kernel and survives. */
    SIGKILL,
    /** A simulated power cut: what was not synced is lost or garbled. */
    POWER_LOSS
  }

  /**
   * The totals of a run.
   *
   * @param cutsWithPendingWrites power cuts that found writes not yet synced, which they then lost
   *     or garbled: a run where none did would have tested nothing
   * @param promoted acknowledged promotions of chunks to blocks (in each trial's line, not in {@link #line()})
   */
  public record Summary(Fault fault, Durability durability, int trials, int killed, long acknowledged, long lost,
      long lostPromised, long unsynced, long dangling, long undecryptable, int integrityFailures, long transactions,
      long torn, int drops, int garbles, int atSync, int cutsWithPendingWrites, long promoted, List<String> problems) {

    public Summary {
      problems = List.copyOf(problems);
    }

    public boolean clean() {
      return killed == trials && lostPromised == 0 && dangling == 0 && undecryptable == 0 && integrityFailures == 0
          && torn == 0;
    }

    /**
     * The one-line result: {@code trials=N acknowledged=M lost=0 dangling=0 transactions=T torn=0
     * integrity=ok} (the tree transactions acknowledged, and those found half stored), and
     * under power loss what was cut and, at {@code durability = normal}, the writes acknowledged
     * after the WAL's last sync ({@code unsynced}, the most it may lose) and the lost writes that
     * were not among them ({@code lost-synced}, which must be 0).
     */
    public String line() {
      String line = "trials=" + trials + " acknowledged=" + acknowledged + " lost=" + lost + " dangling=" + dangling
          + " transactions=" + transactions + " torn=" + torn + " integrity=" + (integrityFailures == 0 && undecryptable == 0 ? "ok" : "FAILED(" + (integrityFailures + undecryptable) + ")");
      if (fault == Fault.SIGKILL) {
        return line + (killed == trials ? "" : " killed=" + killed);
      }
      line += " power-loss durability=" + durability.name().toLowerCase(Locale.ROOT) + " cuts=drop:" + drops + ",garble:" + garbles
          + " at-sync=" + atSync;
      if (durability == Durability.NORMAL) {
        line += " unsynced=" + unsynced + " lost-synced=" + lostPromised;
      }
      return line + (killed == trials ? "" : " cut-while-writing=" + killed);
    }
  }

  private CrashTrials() {}

  /** Runs {@code trials} SIGKILL trials in directories under {@code root}, reporting each on {@code progress}. */
  public static Summary run(Path root, int trials, long firstSeed, PrintWriter progress)
      throws IOException, InterruptedException {
    try {
      return run(root, trials, firstSeed, Fault.SIGKILL, Durability.NORMAL, progress);
    } catch (PowerCutLayer.UnavailableException e) {
      throw new IllegalStateException("SIGKILL trials do not use the power-cut layer", e);
    }
  }

  /**
   * Runs {@code trials} trials of {@code fault} at {@code durability} in directories under {@code
   * root}, reporting each on {@code progress}.
   *
   * @throws PowerCutLayer.UnavailableException under power loss, if the layer cannot be built here
   */
  public static Summary run(Path root, int trials, long firstSeed, Fault fault, Durability durability,
      PrintWriter progress) throws IOException, InterruptedException, PowerCutLayer.UnavailableException {
    Path library = fault == Fault.POWER_LOSS ? PowerCutLayer.library() : null;
    int killed = 0;
    long acknowledged = 0;
    long lost = 0;
    long lostPromised = 0;
    long unsynced = 0;
    long dangling = 0;
    long undecryptable = 0;
    int integrityFailures = 0;
    long transactions = 0;
    long torn = 0;
    int drops = 0;
    int garbles = 0;
    int atSync = 0;
    int cutsWithPendingWrites = 0;
    long promoted = 0;
    List<String> problems = new ArrayList<>();
    for (int trial = 0; trial < trials; trial++) {
      long seed = firstSeed + trial;
      Path dir = root.resolve("trial-" + seed);
      Outcome outcome = trial(dir, seed, durability, library);
      CrashVerifier.Report report = outcome.report();
      killed += outcome.killedWhileWriting() ? 1 : 0;
      acknowledged += report.acknowledged();
      lost += report.lost();
      lostPromised += report.lostPromised();
      unsynced += report.unsynced();
      dangling += report.dangling();
      undecryptable += report.undecryptable();
      integrityFailures += report.integrityFailures();
      transactions += report.transactions();
      torn += report.torn();
      promoted += report.promoted();
      drops += outcome.cut() == PowerCutLayer.CutMode.DROP ? 1 : 0;
      garbles += outcome.cut() == PowerCutLayer.CutMode.GARBLE ? 1 : 0;
      atSync += outcome.moment() == PowerCutLayer.Moment.NEXT_SYNC ? 1 : 0;
      cutsWithPendingWrites += outcome.syncLog()
          .filter(log -> log.files().stream().anyMatch(file -> file.pendingBytes() > 0)).isPresent() ? 1 : 0;
      report.problems().forEach(problem -> problems.add("seed " + seed + ": " + problem));
      if (!outcome.killedWhileWriting()) {
        problems.add("seed " + seed + ": the writer was not running when " + (library == null ? "killed" : "its power was cut")
            + ": " + outcome.writerOutput());
      }
      if (library == null) {
        progress.printf("trial %d/%d seed=%d killed after %d ms: acknowledged=%d lost=%d dangling=%d transactions=%d"
                + " torn=%d promoted=%d%s%n", trial + 1, trials, seed, outcome.killDelayMillis(), report.acknowledged(),
            report.lost(), report.dangling(), report.transactions(), report.torn(), report.promoted(),
            report.clean() ? "" : " PROBLEMS");
      } else {
        progress.printf("trial %d/%d seed=%d power cut (%s, %s) after %d ms: acknowledged=%d lost=%d dangling=%d"
                + " promoted=%d%s%s%s%n",
            trial + 1, trials, seed, outcome.cut().name().toLowerCase(Locale.ROOT),
            outcome.moment() == PowerCutLayer.Moment.NOW ? "at once" : "at the next sync", outcome.killDelayMillis(),
            report.acknowledged(), report.lost(), report.dangling(), report.promoted(),
            durability == Durability.NORMAL ? " unsynced=" + report.unsynced() : "", describe(outcome.syncLog()),
            report.clean() ? "" : " PROBLEMS");
      }
      progress.flush();
      if (report.clean() && outcome.killedWhileWriting()) {
        deleteRecursively(dir);
      }
    }
    return new Summary(library == null ? Fault.SIGKILL : Fault.POWER_LOSS, durability, trials, killed, acknowledged,
        lost, lostPromised, unsynced, dangling, undecryptable, integrityFailures, transactions, torn, drops, garbles, atSync,
        cutsWithPendingWrites, promoted, problems);
  }

  /** What the cut found in the data database's WAL: how long since its last sync, what was pending. */
  private static String describe(Optional<PowerCutLayer.SyncLog> syncLog) {
    if (syncLog.isEmpty()) {
      return " (no sync log)";
    }
    Optional<PowerCutLayer.FileState> wal = syncLog.get().file(DATA_WAL);
    if (wal.isEmpty()) {
      return " (no WAL)";
    }
    PowerCutLayer.FileState state = wal.get();
    String since = state.everSynced()
        ? String.format(Locale.ROOT, "%.0f ms", (syncLog.get().cutNanos() - state.lastSyncNanos()) / 1e6) : "never";
    return " wal: " + state.syncs() + " syncs, last " + since + " before the cut, " + state.pendingBytes()
        + " bytes pending (" + state.kept() + " ranges kept, " + state.garbled() + " garbled, " + state.lost() + " lost)";
  }

  private record Outcome(CrashVerifier.Report report, boolean killedWhileWriting, long killDelayMillis,
      PowerCutLayer.CutMode cut, PowerCutLayer.Moment moment, Optional<PowerCutLayer.SyncLog> syncLog,
      String writerOutput) {}

  private static Outcome trial(Path dir, long seed, Durability durability, Path library)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("workspace.key");
    LocalKey key = LocalKey.generate();
    key.save(keyFile);
    Path ackLog = dir.resolve("acks.log");
    Path writerLog = dir.resolve("writer.log");
    Path syncLogFile = dir.resolve("sync.log");
    Path base = dir.resolve("data");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // -Dstowage.log: the writer's log file keeps what the library logs (the CLI's terminal does not).
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dstowage.log=warn", "-cp", System.getProperty("java.class.path"), CrashWorkload.class.getName(),
        base.toString(), keyFile.toString(), ackLog.toString(), Long.toString(seed),
        durability.name().toLowerCase(Locale.ROOT)));
    if (library != null) {
      command.addAll(List.of(library.toString(), syncLogFile.toString()));
    }
    Process writer = new ProcessBuilder(command).redirectError(writerLog.toFile()).start();
    Random random = new Random(seed);
    long delay = library == null
        ? MIN_KILL_DELAY_MS + random.nextInt(MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS)
        : MIN_CUT_DELAY_MS + random.nextInt(MAX_CUT_DELAY_MS - MIN_CUT_DELAY_MS);
    PowerCutLayer.CutMode cut = library == null ? null
        : random.nextBoolean() ? PowerCutLayer.CutMode.DROP : PowerCutLayer.CutMode.GARBLE;
    PowerCutLayer.Moment moment = library == null ? null
        : random.nextBoolean() ? PowerCutLayer.Moment.NOW : PowerCutLayer.Moment.NEXT_SYNC;
    boolean ready = awaitReady(writer);
    boolean killedWhileWriting = false;
    if (ready) {
      killedWhileWriting = !writer.waitFor(delay, TimeUnit.MILLISECONDS); // still writing at the kill
    }
    if (library != null && killedWhileWriting) {
      killedWhileWriting = cutPower(writer, cut, moment, seed);
    }
    writer.destroyForcibly(); // SIGKILL (under power loss, only if the cut did not end it)
    writer.waitFor(30, TimeUnit.SECONDS);
    String output = Files.exists(writerLog) ? Files.readString(writerLog) : "";
    Optional<PowerCutLayer.SyncLog> syncLog = Files.exists(syncLogFile)
        ? Optional.of(PowerCutLayer.readSyncLog(syncLogFile)) : Optional.empty();
    CrashVerifier.Report report = CrashVerifier.verify(base.resolve(CrashWorkload.WORKSPACE), new BlobCipher(key),
        ackLog, CrashWorkload.settings(base).blockLimit(), mayLoseAfter(durability, library, syncLog));
    return new Outcome(report, killedWhileWriting, delay, cut, moment, syncLog,
        output.length() > 2000 ? output.substring(0, 2000) : output);
  }

  /** Tells the writer to cut its power; true if it then ended as a cut process ends. */
  private static boolean cutPower(Process writer, PowerCutLayer.CutMode mode, PowerCutLayer.Moment moment, long seed)
      throws IOException, InterruptedException {
    try (OutputStream in = writer.getOutputStream()) {
      in.write(("cut " + mode.sqlName() + " " + moment.sqlName() + " " + seed + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false; // it had ended already
    }
    return writer.waitFor(30, TimeUnit.SECONDS) && writer.exitValue() == PowerCutLayer.CUT_EXIT_CODE;
  }

  /**
   * Which acknowledgements may be lost: none after a kill or at {@code full}; at {@code normal}
   * after a power cut, those later than the data WAL's last sync (all, if it was never synced).
   * Without a sync log, or without the WAL in it, nothing may be lost: a failed cut hides no loss.
   */
  private static long mayLoseAfter(Durability durability, Path library, Optional<PowerCutLayer.SyncLog> syncLog) {
    if (library == null || durability == Durability.FULL || syncLog.isEmpty()) {
      return CrashVerifier.NOTHING_MAY_BE_LOST;
    }
    return syncLog.get().file(DATA_WAL).map(PowerCutLayer.FileState::lastSyncNanos).orElse(CrashVerifier.NOTHING_MAY_BE_LOST);
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
