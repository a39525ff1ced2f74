package dev.stowage.app.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.node.FaultHistory.Fault;
import dev.stowage.app.node.FaultHistory.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of {@link ProcessClusterFaultsTest} can fail: histories written by hand, each with the
 * anomaly a broken build would leave (a durable write acknowledged before its commit and then
 * lost; two incarnations of one entity both answering across a partition), and the ones that are
 * allowed (an un-ensured cache-only write lost in a fault; a write whose answer never came).
 */
class FaultHistoryTest {
  @TempDir Path dir;

  private static final long S = 1_000_000_000L;

  @Test
  @DisplayName("INV-8: an acknowledged durable write the key does not end on, overwritten by nothing after it, is lost")
  void lostDurableWrite() throws Exception {
    Verdict verdict = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_DURABLE 0 12 " + 3 * S + " " + 4 * S + " ok"), List.of(), Map.of(0, 11L));
    assertThat(verdict.lost()).hasSize(1).first().asString().contains("value=12");
    assertThat(verdict.notLinearizable()).containsExactly(0);
  }

  @Test
  @DisplayName("INV-17: a read of the old incarnation's value after the new one's write was read is not linearizable")
  void twoIncarnationsAnswering() throws Exception {
    Verdict verdict = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_DURABLE 0 12 " + 3 * S + " " + 4 * S + " ok",
        "C GET 0 12 " + 5 * S + " " + 6 * S + " ok",
        "C GET 0 11 " + 7 * S + " " + 8 * S + " ok"), List.of(), Map.of(0, 12L));
    assertThat(verdict.lost()).isEmpty();
    assertThat(verdict.notLinearizable()).containsExactly(0);
  }

  @Test
  @DisplayName("a cache-only write not ensured may vanish in a fault's window, not outside one")
  void cacheOnlyLossOnlyInAFault() throws Exception {
    List<String> lines = List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_CACHE_ONLY 0 12 " + 3 * S + " " + 4 * S + " ok",
        "C GET 0 12 " + 5 * S + " " + 6 * S + " ok",
        "C GET 0 11 " + 9 * S + " " + 10 * S + " ok");
    assertThat(check(lines, List.of(new Fault("kill", 7 * S, 8 * S, true)), Map.of(0, 11L)).notLinearizable()).isEmpty();
    assertThat(check(lines, List.of(), Map.of(0, 11L)).notLinearizable()).containsExactly(0);
    assertThat(check(lines, List.of(new Fault("stall", 7 * S, 8 * S, false)), Map.of(0, 11L)).notLinearizable())
        .containsExactly(0);
  }

  @Test
  @DisplayName("a durable write never acknowledged, read while its flush was on its way, may vanish in a fault's window (its flush failed), not outside one")
  void aFailedDurableWriteReadInFlight() throws Exception {
    List<String> lines = List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "I SET_DURABLE 0 12 " + 3 * S,
        "C SET_DURABLE 0 12 " + 3 * S + " " + 9 * S + " err:TimeoutException",
        "C GET 0 12 " + 4 * S + " " + 5 * S + " ok",
        "C GET 0 11 " + 10 * S + " " + 11 * S + " ok");
    assertThat(check(lines, List.of(new Fault("stall", 3 * S, 9 * S, true)), Map.of(0, 11L)).notLinearizable()).isEmpty();
    assertThat(check(lines, List.of(), Map.of(0, 11L)).notLinearizable()).containsExactly(0);
  }

  @Test
  @DisplayName("an ensured cache-only write is kept like a durable one: losing it is counted")
  void ensuredWriteLost() throws Exception {
    Verdict verdict = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_CACHE_ONLY 0 12 " + 3 * S + " " + 4 * S + " ok",
        "C ENSURE 0 0 " + 5 * S + " " + 6 * S + " ok"), List.of(new Fault("kill", 7 * S, 8 * S, true)), Map.of(0, 11L));
    assertThat(verdict.lost()).hasSize(1);
  }

  @Test
  @DisplayName("a tree transaction is a durable write on each of its keys: acknowledged, it must be kept on both")
  void aTransactionIsADurableWriteOnBothKeys() throws Exception {
    Verdict verdict = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_DURABLE 1 21 " + 1 * S + " " + 2 * S + " ok",
        "I UPDATE_MANIFESTS 0 12 " + 3 * S + " 1 22",
        "C UPDATE_MANIFESTS 0 12 " + 3 * S + " " + 4 * S + " ok 1 22"), List.of(), Map.of(0, 12L, 1, 21L));
    assertThat(verdict.transactions()).isEqualTo(1);
    assertThat(verdict.transactionsAcknowledged()).isEqualTo(1);
    assertThat(verdict.acknowledgedWrites()).isEqualTo(4);
    assertThat(verdict.lost()).hasSize(1).first().asString().contains("key=1", "value=22");
  }

  @Test
  @DisplayName("a tree transaction seen on one key, then a read of the other key's older value, is torn; a conflict wrote nothing")
  void aTornTransaction() throws Exception {
    List<String> before = List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_DURABLE 1 21 " + 1 * S + " " + 2 * S + " ok",
        "I UPDATE_MANIFESTS 0 12 " + 3 * S + " 1 22");
    Verdict torn = check(concat(before, List.of(
        "C GET 0 12 " + 5 * S + " " + 6 * S + " ok",
        "C GET 1 21 " + 7 * S + " " + 8 * S + " ok")), List.of(), Map.of(0, 12L, 1, 22L));
    assertThat(torn.torn()).hasSize(1);
    assertThat(torn.notLinearizable()).as("each key alone is linearizable: only the pair shows it").isEmpty();
    Verdict whole = check(concat(before, List.of(
        "C GET 1 21 " + 3 * S + " " + 4 * S + " ok",
        "C GET 0 12 " + 5 * S + " " + 6 * S + " ok",
        "C GET 1 22 " + 7 * S + " " + 8 * S + " ok")), List.of(), Map.of(0, 12L, 1, 22L));
    assertThat(whole.torn()).isEmpty();
    Verdict lateWrite = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "C SET_DURABLE 1 21 " + 1 * S + " " + 2 * S + " ok",
        "I SET_CACHE_ONLY 1 23 " + 2 * S,
        "C SET_CACHE_ONLY 1 23 " + 2 * S + " " + 3 * S + " err:TimeoutException",
        "I UPDATE_MANIFESTS 0 12 " + 4 * S + " 1 22",
        "C UPDATE_MANIFESTS 0 12 " + 4 * S + " " + 5 * S + " ok 1 22",
        "C GET 1 22 " + 6 * S + " " + 7 * S + " ok",
        "C GET 1 23 " + 8 * S + " " + 9 * S + " ok"), List.of(), Map.of(0, 12L, 1, 23L));
    assertThat(lateWrite.torn()).as("a write never answered, called before the transaction, may take effect after it")
        .isEmpty();
    assertThat(lateWrite.notLinearizable()).isEmpty();
    Verdict conflict = check(List.of(
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " ok",
        "I UPDATE_MANIFESTS 0 12 " + 3 * S + " 1 22",
        "C UPDATE_MANIFESTS 0 12 " + 3 * S + " " + 4 * S + " refused:ConflictException 1 22",
        "C GET 0 12 " + 5 * S + " " + 6 * S + " ok"), List.of(), Map.of(0, 11L));
    assertThat(conflict.transactions()).as("a conflict is not a transaction sent").isZero();
    assertThat(conflict.notLinearizable()).as("a read of what a conflicting transaction would have written").containsExactly(0);
  }

  private static List<String> concat(List<String> first, List<String> second) {
    return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
  }

  @Test
  @DisplayName("a write never answered may have happened, a refused one cannot have")
  void unknownAndRefusedWrites() throws Exception {
    Verdict unknown = check(List.of(
        "I SET_DURABLE 0 11 " + 1 * S,
        "C GET 0 11 " + 3 * S + " " + 4 * S + " ok"), List.of(), Map.of(0, 11L));
    assertThat(unknown.notLinearizable()).isEmpty();
    assertThat(unknown.unknownWrites()).isEqualTo(1);
    Verdict refused = check(List.of(
        "I SET_DURABLE 0 11 " + 1 * S,
        "C SET_DURABLE 0 11 " + 1 * S + " " + 2 * S + " refused:StorageUnavailableException",
        "C GET 0 11 " + 3 * S + " " + 4 * S + " ok"), List.of(), Map.of(0, 11L));
    assertThat(refused.notLinearizable()).containsExactly(0);
  }

  private Verdict check(List<String> lines, List<Fault> faults, Map<Integer, Long> finals) throws Exception {
    Path history = dir.resolve("node-0-" + System.nanoTime() + ".history");
    Files.write(history, lines);
    return FaultHistory.read(List.of(history)).check(faults, finals, 20 * S);
  }
}
