package dev.stowage.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashTest {
  /** 20 in the default run; the reliability profile and {@code stowage crash-test --trials N} run more. */
  private static final int TRIALS = Integer.getInteger("stowage.crash.trials", 20);

  @Test
  @DisplayName("INV-1, INV-8, INV-9, SPEC 6b: writers killed with SIGKILL lose no acknowledged write, leave no dangling chunk (nor one promoted to nowhere), no undecryptable row, and no tree transaction torn")
  void killedWritersLoseNothingAcknowledged(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    CrashTrials.Summary summary = CrashTrials.run(dir, TRIALS, 1, new PrintWriter(new OutputStreamWriter(progress, StandardCharsets.UTF_8), true));

    assertThat(summary.problems()).as(progress.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(summary.killed()).as("every writer was killed while writing").isEqualTo(TRIALS);
    assertThat(summary.acknowledged()).isGreaterThan(TRIALS * 10L);
    assertThat(summary.lost()).isZero();
    assertThat(summary.dangling()).isZero();
    assertThat(summary.undecryptable()).isZero();
    assertThat(summary.integrityFailures()).isZero();
    assertThat(summary.transactions()).as("tree transactions acknowledged").isGreaterThan(TRIALS * 2L);
    assertThat(summary.torn()).as("tree transactions found half stored, or breaks of the tree").isZero();
    assertThat(summary.promoted()).as("chunks promoted to blocks after their file was marked uploaded").isPositive();
    assertThat(summary.line()).matches("trials=" + TRIALS + " acknowledged=\\d+ lost=0 dangling=0 transactions=\\d+ torn=0 integrity=ok");
  }
}
