package dev.stowage.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.storage.Durability;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash trials over the power-cut layer ({@link CrashTrials.Fault#POWER_LOSS}), at each durability. */
class PowerCutTest {
  /** Per durability: 10 in the default run; the reliability profile and {@code stowage crash-test --power-loss --trials N} run more. */
  private static final int TRIALS = Integer.getInteger("stowage.powercut.trials", 10);

  private static CrashTrials.Summary run(Path dir, Durability durability, StringBuilder progressText) throws Exception {
    RequirePowerCut.library();
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    CrashTrials.Summary summary = CrashTrials.run(dir, TRIALS, 1, CrashTrials.Fault.POWER_LOSS, durability,
        new PrintWriter(new OutputStreamWriter(progress, StandardCharsets.UTF_8), true));
    progressText.append(progress.toString(StandardCharsets.UTF_8));
    return summary;
  }

  @Test
  @DisplayName("INV-1, INV-8, INV-9, SPEC 6b: with durability = full, a power cut loses no acknowledged write, leaves no dangling chunk, no corruption, no torn tree transaction")
  void aPowerCutAtFullDurabilityLosesNothingAcknowledged(@TempDir Path dir) throws Exception {
    StringBuilder progress = new StringBuilder();

    CrashTrials.Summary summary = run(dir, Durability.FULL, progress);

    assertThat(summary.problems()).as(progress.toString()).isEmpty();
    assertThat(summary.killed()).as("every writer's power was cut while it wrote").isEqualTo(TRIALS);
    assertThat(summary.acknowledged()).isGreaterThan(TRIALS * 10L);
    assertThat(summary.lost()).isZero();
    assertThat(summary.dangling()).isZero();
    assertThat(summary.undecryptable()).isZero();
    assertThat(summary.integrityFailures()).isZero();
    assertThat(summary.transactions()).as("tree transactions acknowledged").isPositive();
    assertThat(summary.torn()).isZero();
    assertThat(summary.drops()).as("both kinds of cut").isPositive();
    assertThat(summary.garbles()).isPositive();
    assertThat(summary.cutsWithPendingWrites()).as("some cuts destroyed unsynced writes: %s", progress).isPositive();
    assertThat(summary.line()).matches("trials=" + TRIALS
        + " acknowledged=\\d+ lost=0 dangling=0 transactions=\\d+ torn=0 integrity=ok power-loss durability=full cuts=drop:\\d+,garble:\\d+ at-sync=\\d+");
  }

  @Test
  @DisplayName("INV-1, INV-9, SPEC 6b: with durability = normal, a power cut never corrupts, never tears a tree transaction, and loses only writes acknowledged after the WAL's last sync")
  void aPowerCutAtNormalDurabilityLosesOnlyWhatCameAfterTheLastSync(@TempDir Path dir) throws Exception {
    StringBuilder progress = new StringBuilder();

    CrashTrials.Summary summary = run(dir, Durability.NORMAL, progress);

    assertThat(summary.problems()).as(progress.toString()).isEmpty();
    assertThat(summary.killed()).as("every writer's power was cut while it wrote").isEqualTo(TRIALS);
    assertThat(summary.lostPromised()).as("lost although acknowledged before the WAL's last sync").isZero();
    assertThat(summary.lost()).isLessThanOrEqualTo(summary.unsynced());
    assertThat(summary.lost()).as("the cuts do lose what normal durability does not promise: %s", progress).isPositive();
    assertThat(summary.dangling()).isZero();
    assertThat(summary.undecryptable()).isZero();
    assertThat(summary.integrityFailures()).isZero();
    assertThat(summary.torn()).isZero();
    assertThat(summary.line()).matches("trials=" + TRIALS + " acknowledged=\\d+ lost=\\d+ dangling=0 transactions=\\d+ torn=0 integrity=ok"
        + " power-loss durability=normal cuts=drop:\\d+,garble:\\d+ at-sync=\\d+ unsynced=\\d+ lost-synced=0");
  }
}
