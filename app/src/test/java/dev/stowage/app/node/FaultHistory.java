package dev.stowage.app.node;

import dev.stowage.actors.LinearizabilityChecker;
import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The checks of a process-fault run, from the nodes' histories ({@link NodeHistory}), the faults'
 * windows and the values every key held at the end:
 *
 * <ul>
 *   <li><b>lost</b>: an acknowledged durable write, or a cache-only write an acknowledged ensure
 *       of the same key covered (answered before the ensure was called, with no fault between), is
 *       lost if the key ends on a value written by a write that was answered before the lost one
 *       was called (it cannot have come after it), or on a value nobody wrote;
 *   <li><b>linearizable</b>: each key's history, the final reads included, against Stowage's
 *       model of an entry ({@link LinearizabilityChecker}). A write whose answer never came (its
 *       node died) or was an error may have taken effect at any time after it was called; a fault
 *       that takes a node's memory (a kill, the minority side of a partition) may drop any key's
 *       cache at any time in its window, which is what INV-17 allows across a failover for writes
 *       not ensured; so may a durable write that was never acknowledged (a read may have seen it
 *       while its flush was on its way, and a failed flush drops it, INV-6). A second incarnation
 *       of an entity acknowledging writes the first one had not
 *       seen, or the other way round, makes some read impossible in this model. A tree
 *       transaction counts, on each of its two keys, as a durable write.
 *   <li><b>atomic</b>: once a read returned either value of a tree transaction, no later read of
 *       its two keys (final reads included) returns a value written before the transaction was
 *       called (a write answered before it, or no value at all): it took effect at one instant for
 *       both keys, or not at all.
 * </ul>
 */
final class FaultHistory {
  /** A fault: from {@code start} until the cluster served every key again ({@code end}); nanoseconds since the epoch. */
  record Fault(String name, long start, long end, boolean takesMemory) {}

  /** One call of a history, as recorded, with the node that made it. */
  record Call(String node, Kind kind, int key, long value, long invoke, long response, String outcome) {
    boolean acknowledged() {
      return outcome.equals("ok");
    }
  }

  /** A tree transaction sent (answered or not): {@code value} to {@code key}, {@code value2} to {@code key2}. */
  record Transaction(int key, long value, int key2, long value2, long invoke, boolean acknowledged) {}

  /** What the checks found. */
  record Verdict(long calls, long acknowledgedWrites, long unknownWrites, List<String> lost,
      List<Integer> notLinearizable, long transactions, long transactionsAcknowledged, List<String> torn) {}

  private final List<Call> calls;
  private final List<Call> refused;
  private final List<Transaction> transactions;

  private FaultHistory(List<Call> calls, List<Call> refused, List<Transaction> transactions) {
    this.calls = calls;
    this.refused = refused;
    this.transactions = transactions;
  }

  /** Reads the histories; a line cut by a kill is ignored. */
  static FaultHistory read(List<Path> files) throws IOException {
    List<Call> calls = new ArrayList<>();
    List<Call> refused = new ArrayList<>();
    List<Transaction> transactions = new ArrayList<>();
    for (Path file : files) {
      if (!Files.exists(file)) {
        continue;
      }
      String node = file.getFileName().toString().replace(".history", "");
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      int end = text.lastIndexOf('\n');
      Map<Long, Call> invoked = new LinkedHashMap<>();
      Map<Long, Transaction> sent = new LinkedHashMap<>();
      for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
        String[] w = line.split(" ");
        boolean pair = w[1].equals(NodeHistory.PAIR);
        Kind kind = pair ? Kind.SET_DURABLE : Kind.valueOf(w[1]);
        int key = Integer.parseInt(w[2]);
        long value = Long.parseLong(w[3]);
        long invoke = Long.parseLong(w[4]);
        boolean invocation = w[0].equals("I");
        int key2 = pair ? Integer.parseInt(w[invocation ? 5 : 7]) : -1;
        long value2 = pair ? Long.parseLong(w[invocation ? 6 : 8]) : 0;
        if (!invocation && w[6].startsWith("refused:")) {
          invoked.remove(value); // never sent, or (a conflict) nothing written: it did not happen
          invoked.remove(value2);
          sent.remove(value);
          refused.add(new Call(node, kind, key, value, invoke, Long.parseLong(w[5]), w[6]));
        } else if (invocation) {
          invoked.put(value, new Call(node, kind, key, value, invoke, Long.MAX_VALUE, "unknown"));
          if (pair) {
            invoked.put(value2, new Call(node, kind, key2, value2, invoke, Long.MAX_VALUE, "unknown"));
            sent.put(value, new Transaction(key, value, key2, value2, invoke, false));
          }
        } else {
          if (kind == Kind.SET_DURABLE || kind == Kind.SET_CACHE_ONLY) {
            invoked.remove(value);
            invoked.remove(value2);
          }
          calls.add(new Call(node, kind, key, value, invoke, Long.parseLong(w[5]), w[6]));
          if (pair) {
            calls.add(new Call(node, kind, key2, value2, invoke, Long.parseLong(w[5]), w[6]));
            sent.put(value, new Transaction(key, value, key2, value2, invoke, w[6].equals("ok")));
          }
        }
      }
      calls.addAll(invoked.values());
      transactions.addAll(sent.values());
    }
    return new FaultHistory(calls, refused, transactions);
  }

  /** The calls sent (answered or not). */
  List<Call> calls() {
    return calls;
  }

  /** The calls refused before anything was sent. */
  List<Call> refused() {
    return refused;
  }

  /** Checks the history against {@code finals} (key to the write id every node read at {@code finalTime}). */
  Verdict check(List<Fault> faults, Map<Integer, Long> finals, long finalTime) throws Exception {
    Map<Integer, List<Call>> byKey = new TreeMap<>();
    for (Call call : calls) {
      byKey.computeIfAbsent(call.key(), key -> new ArrayList<>()).add(call);
    }
    Map<Long, Call> writes = new HashMap<>();
    long acknowledged = 0;
    long unknown = 0;
    for (Call call : calls) {
      if (call.kind() == Kind.SET_DURABLE || call.kind() == Kind.SET_CACHE_ONLY) {
        writes.put(call.value(), call);
        if (call.acknowledged()) {
          acknowledged++;
        } else {
          unknown++;
        }
      }
    }
    List<String> lost = new ArrayList<>();
    List<Integer> notLinearizable = new ArrayList<>();
    for (var entry : byKey.entrySet()) {
      int key = entry.getKey();
      Long last = finals.get(key);
      Call finalWrite = last == null || last == 0 ? null : writes.get(last);
      for (Call kept : mustKeep(entry.getValue(), faults)) {
        boolean keptOrLater = last != null && (last == kept.value()
            || finalWrite != null && finalWrite.response() >= kept.invoke());
        if (!keptOrLater) {
          lost.add("key " + key + ": " + kept + " (the key ends on " + last + ")");
        }
      }
      if (!linearizable(entry.getValue(), faults, last, finalTime)) {
        notLinearizable.add(key);
      }
    }
    return new Verdict(calls.size(), acknowledged, unknown, lost, notLinearizable, transactions.size(),
        transactions.stream().filter(Transaction::acknowledged).count(), torn(writes, finals, finalTime));
  }

  /**
   * The tree transactions seen torn: after a read returned one of a transaction's values, a read
   * of one of its keys returned a value whose write was acknowledged before the transaction was
   * called, or none.
   */
  private List<String> torn(Map<Long, Call> writes, Map<Integer, Long> finals, long finalTime) {
    Map<Integer, List<Call>> reads = new HashMap<>();
    for (Call call : calls) {
      if (call.kind() == Kind.GET && call.acknowledged()) {
        reads.computeIfAbsent(call.key(), key -> new ArrayList<>()).add(call);
      }
    }
    finals.forEach((key, value) -> reads.computeIfAbsent(key, k -> new ArrayList<>())
        .add(new Call("final", Kind.GET, key, value, finalTime, finalTime, "ok")));
    List<String> torn = new ArrayList<>();
    for (Transaction tx : transactions) {
      long visible = Long.MAX_VALUE;
      for (Call read : reads.getOrDefault(tx.key(), List.of())) {
        visible = read.value() == tx.value() ? Math.min(visible, read.response()) : visible;
      }
      for (Call read : reads.getOrDefault(tx.key2(), List.of())) {
        visible = read.value() == tx.value2() ? Math.min(visible, read.response()) : visible;
      }
      for (int key : new int[] {tx.key(), tx.key2()}) {
        for (Call read : reads.getOrDefault(key, List.of())) {
          Call written = writes.get(read.value());
          // a write never answered may have taken effect at any time after it was called, after the transaction too
          boolean older = read.value() == 0 || written != null && written.acknowledged() && written.response() < tx.invoke();
          if (read.invoke() > visible && older) {
            torn.add(tx + ": " + read + " after one of its values was read");
          }
        }
      }
    }
    return torn;
  }

  /** The acknowledged durable writes, and the cache-only writes an acknowledged ensure covered. */
  private static List<Call> mustKeep(List<Call> calls, List<Fault> faults) {
    List<Call> kept = new ArrayList<>();
    for (Call call : calls) {
      if (!call.acknowledged()) {
        continue;
      }
      if (call.kind() == Kind.SET_DURABLE) {
        kept.add(call);
      } else if (call.kind() == Kind.SET_CACHE_ONLY && ensured(call, calls, faults)) {
        kept.add(call);
      }
    }
    return kept;
  }

  private static boolean ensured(Call write, List<Call> calls, List<Fault> faults) {
    for (Call ensure : calls) {
      if (ensure.kind() == Kind.ENSURE && ensure.acknowledged() && ensure.invoke() > write.response()
          && faults.stream().noneMatch(fault -> fault.start() < ensure.response() && fault.end() > write.invoke())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether one key's calls are linearizable. A write of unknown outcome whose value no read saw is
   * left out: it may take effect after everything else (it never answered), which is the same as
   * not at all; leaving it out only makes the search stricter, and keeps it small (each such write
   * would stay pending to the end, doubling the states to visit).
   */
  private static boolean linearizable(List<Call> calls, List<Fault> faults, Long last, long finalTime) throws Exception {
    Set<Long> read = new HashSet<>();
    for (Call call : calls) {
      if (call.kind() == Kind.GET && call.acknowledged()) {
        read.add(call.value());
      }
    }
    if (last != null) {
      read.add(last);
    }
    List<Op> ops = new ArrayList<>();
    for (Call call : calls) {
      boolean write = call.kind() == Kind.SET_DURABLE || call.kind() == Kind.SET_CACHE_ONLY;
      if (call.acknowledged()) {
        ops.add(new Op(call.kind(), call.invoke(), call.response(), call.value(), false));
      } else if (write && read.contains(call.value())) {
        // Not acknowledged, it was not made durable for sure: a read may have seen it while its flush
        // was on its way, and a flush that then fails drops it with the rest of what the entity held
        // unwritten (INV-6), as a fault's window may drop a cache-only write.
        ops.add(new Op(Kind.SET_CACHE_ONLY, call.invoke(), Long.MAX_VALUE, call.value(), false));
      }
    }
    for (Fault fault : faults) {
      if (fault.takesMemory()) {
        ops.add(new Op(Kind.CLEAR_CACHE_DISCARD, fault.start(), fault.end(), 0, false));
      }
    }
    if (last != null) {
      ops.add(new Op(Kind.GET, finalTime, finalTime + 1, last, false));
    }
    // The search recurses once per operation: a thread with room for thousands of frames.
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    Thread search = new Thread(null, () -> {
      try {
        result.complete(LinearizabilityChecker.linearizable(ops));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "linearizability-search", 1L << 30);
    search.start();
    return result.get();
  }
}
