package dev.stowage.app.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-cut layer loses what was not synced, keeps what was, and garbles only where a
 * process wrote. Each test runs {@link PowerCutProbe} in a child JVM, which the cut ends, and looks
 * at the files afterwards. If the layer could not lose data the crash trials over it would prove
 * nothing, so every test asserts a loss.
 */
class PowerCutLayerTest {
  @TempDir Path dir;
  private Path library;
  private Path syncLog;

  @BeforeEach
  void buildTheLayer() {
    library = RequirePowerCut.library();
    syncLog = dir.resolve("sync.log");
  }

  private record Child(int exitCode, Map<String, String> printed, String output) {}

  private Child probe(String scenario, Path... files) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        PowerCutProbe.class.getName(), library.toString(), scenario));
    for (Path file : files) {
      command.add(file.toString());
    }
    command.add(syncLog.toString());
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
    Map<String, String> printed = new HashMap<>();
    for (String line : output.split("\n")) {
      String[] keyValue = line.split(" ", 2);
      if (keyValue.length == 2) {
        printed.merge(keyValue[0], keyValue[1], (a, b) -> a + "\n" + b);
      }
    }
    return new Child(child.exitValue(), printed, output);
  }

  @Test
  void aWriteWithoutSyncIsLostAtACutAndAWriteFollowedBySyncSurvives() throws Exception {
    Path file = Files.write(dir.resolve("file"), PowerCutProbe.fill('a', 20_000));
    Path other = Files.write(dir.resolve("other"), PowerCutProbe.fill('a', 10_000));

    Child child = probe("bytes-drop", file, other);

    assertThat(child.exitCode()).as(child.output()).isEqualTo(PowerCutLayer.CUT_EXIT_CODE);
    byte[] expected = PowerCutProbe.fill('a', 20_000);
    Arrays.fill(expected, 100, 5000, (byte) 'b'); // synced
    assertThat(Files.readAllBytes(file)).as("the synced write survived, the unsynced ones are lost").isEqualTo(expected);
    assertThat(Files.readAllBytes(other)).as("an unsynced truncation is lost").isEqualTo(PowerCutProbe.fill('a', 10_000));
    PowerCutLayer.SyncLog log = PowerCutLayer.readSyncLog(syncLog);
    assertThat(log.mode()).isEqualTo(PowerCutLayer.CutMode.DROP);
    PowerCutLayer.FileState state = log.file("file").orElseThrow();
    assertThat(state.syncs()).isEqualTo(1);
    assertThat(state.pendingBytes()).isEqualTo(4000);
    assertThat(state.lost()).isEqualTo(2);
    assertThat(state.lastSyncNanos()).isPositive().isLessThan(log.cutNanos());
  }

  @Test
  void aProcessReadsItsOwnUnsyncedWritesThroughAnyHandleWhileTheDiskHasNotSeenThem() throws Exception {
    Path file = Files.write(dir.resolve("file"), PowerCutProbe.fill('a', 20_000));
    Path other = Files.write(dir.resolve("other"), PowerCutProbe.fill('a', 10_000));

    Child child = probe("bytes-drop", file, other);

    // Each call opens its own handle: the pending writes belong to the file, not to a handle.
    assertThat(child.printed().get("own-read")).isEqualTo("61".repeat(10) + "63".repeat(10));
    assertThat(child.printed().get("own-read-past-end")).as("the size includes the unsynced extension")
        .isEqualTo("64".repeat(10) + "00".repeat(10));
    assertThat(child.printed().get("other-own-read")).as("reads past an unsynced truncation")
        .isEqualTo("61".repeat(10) + "00".repeat(10));
    assertThat(child.printed().get("disk-at-6000")).isEqualTo("a");
    assertThat(child.printed().get("disk-size")).isEqualTo("20000");
    assertThat(child.printed().get("file")).contains("file 1 4000", "other 0 0");
  }

  @Test
  void aCutAtTheNextSyncHappensInTheFirstSyncWithWritesPendingBeforeItAppliesThem() throws Exception {
    Path file = Files.write(dir.resolve("file"), PowerCutProbe.fill('a', 1000));
    Path other = Files.write(dir.resolve("other"), PowerCutProbe.fill('a', 10));

    Child child = probe("bytes-at-sync", file, other);

    assertThat(child.exitCode()).as(child.output()).isEqualTo(PowerCutLayer.CUT_EXIT_CODE);
    assertThat(child.printed()).containsEntry("clean-sync", "survived").containsEntry("written", "yes")
        .doesNotContainKey("pending-sync");
    byte[] expected = PowerCutProbe.fill('a', 1000);
    Arrays.fill(expected, 0, 100, (byte) 'b');
    assertThat(Files.readAllBytes(file)).as("the write of the interrupted sync is lost").isEqualTo(expected);
    PowerCutLayer.SyncLog log = PowerCutLayer.readSyncLog(syncLog);
    assertThat(log.moment()).isEqualTo(PowerCutLayer.Moment.NEXT_SYNC);
    assertThat(log.file("file").orElseThrow().syncs()).as("the interrupted sync does not count").isEqualTo(1);
  }

  @Test
  void aRowCommittedWithoutFsyncIsLostAndOneCommittedWithFsyncSurvives() throws Exception {
    Path db = dir.resolve("t.sqlite");

    Child child = probe("sqlite", db);

    assertThat(child.exitCode()).as(child.output()).isEqualTo(PowerCutLayer.CUT_EXIT_CODE);
    assertThat(child.printed().get("rows-seen-by-reader")).as("a second connection saw both commits").isEqualTo("2");
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = connection.createStatement()) {
      List<String> rows = new ArrayList<>();
      try (ResultSet result = s.executeQuery("SELECT x FROM t")) {
        while (result.next()) {
          rows.add(result.getString(1));
        }
      }
      assertThat(rows).containsExactly("synced");
      try (ResultSet result = s.executeQuery("PRAGMA integrity_check")) {
        result.next();
        assertThat(result.getString(1)).isEqualTo("ok");
      }
    }
  }

  @Test
  void garblingTouchesOnlyTheRangesWrittenSinceTheLastSync() throws Exception {
    byte[] original = PowerCutProbe.fill(0x5a, 65_536);
    Path file = Files.write(dir.resolve("file"), original);

    Child child = probe("bytes-garble", file);

    assertThat(child.exitCode()).as(child.output()).isEqualTo(PowerCutLayer.CUT_EXIT_CODE);
    byte[] after = Files.readAllBytes(file);
    assertThat(after).hasSize(original.length);
    boolean[] unsynced = new boolean[original.length];
    int kept = 0;
    int lost = 0;
    int garbled = 0;
    for (int i = 0; i < PowerCutProbe.GARBLE_RANGES; i++) {
      int from = i * 1500;
      int to = from + 200 + 10 * i;
      Arrays.fill(unsynced, from, to, true);
      byte[] range = Arrays.copyOfRange(after, from, to);
      if (Arrays.equals(range, PowerCutProbe.fill(0x11, to - from))) {
        kept++;
      } else if (Arrays.equals(range, PowerCutProbe.fill(0x5a, to - from))) {
        lost++;
      } else {
        garbled++;
      }
    }
    for (int at = 0; at < after.length; at++) {
      byte expected = at >= 40_000 && at < 41_000 ? (byte) 0x22 : (byte) 0x5a;
      if (!unsynced[at] && after[at] != expected) {
        throw new AssertionError("byte " + at + " was never written since the last sync, yet is "
            + HexFormat.of().toHexDigits(after[at]));
      }
    }
    PowerCutLayer.FileState state = PowerCutLayer.readSyncLog(syncLog).file("file").orElseThrow();
    assertThat(List.of(kept, garbled, lost)).as("each range kept, garbled or lost, as the log says")
        .containsExactly((int) state.kept(), (int) state.garbled(), (int) state.lost());
    assertThat(garbled).as("some ranges hold random bytes").isPositive();
    assertThat(lost).as("some ranges are lost").isPositive();
    assertThat(kept).as("some ranges reached the disk").isPositive();
  }
}
