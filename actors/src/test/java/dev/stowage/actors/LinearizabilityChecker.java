package dev.stowage.actors;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that the history of one key is linearizable against a sequential model of the entry
 * (Wing and Gong's search, with memoisation of visited states, as in Knossos/Porcupine).
 *
 * <p>The model has two layers: the cached value (or "not cached") and the stored one. Cache-only
 * writes change the cache; durable writes, ensure and clear change both; {@code
 * clearMemoryCache(false)} drops the cache (losing what was not flushed). Flushes Stowage does on
 * its own (passivation, max-dirty) are allowed before any operation: the search may copy the cache
 * into the store at any point.
 *
 * <p>Values are write ids: every write of a history writes a distinct positive id; {@link #ABSENT}
 * is "no manifest".
 */
public final class LinearizabilityChecker {
  public static final long ABSENT = 0;
  private static final long NOT_CACHED = -1;

  public enum Kind {
    GET,
    SET_DURABLE,
    SET_CACHE_ONLY,
    ENSURE,
    CLEAR,
    CLEAR_CACHE_FLUSH,
    CLEAR_CACHE_DISCARD
  }

  /**
   * One completed operation: invoked at {@code invoke}, answered at {@code response} (nanoTime).
   * {@code value} is the write id written, or the id read ({@link #ABSENT} for missing). {@code
   * missing} is true when a clear failed with EntryMissingException.
   */
  public record Op(Kind kind, long invoke, long response, long value, boolean missing) {}

  private record State(long cache, long stored) {}

  private record Visited(State state, BitSet done) {}

  private final List<Op> ops;
  private final Set<Visited> visited = new HashSet<>();

  private LinearizabilityChecker(List<Op> history) {
    this.ops = new ArrayList<>(history);
    this.ops.sort(Comparator.comparingLong(Op::invoke));
  }

  /** Whether {@code history} (one key, starting absent and not cached) is linearizable. */
  public static boolean linearizable(List<Op> history) {
    LinearizabilityChecker checker = new LinearizabilityChecker(history);
    return checker.search(new State(NOT_CACHED, ABSENT), new BitSet(history.size()));
  }

  private boolean search(State state, BitSet done) {
    int next = done.nextClearBit(0);
    if (next >= ops.size()) {
      return true;
    }
    if (!visited.add(new Visited(state, (BitSet) done.clone()))) {
      return false;
    }
    // An op can go next if no other pending op was answered before it was invoked.
    long firstResponse = Long.MAX_VALUE;
    for (int i = next; i < ops.size(); i = done.nextClearBit(i + 1)) {
      firstResponse = Math.min(firstResponse, ops.get(i).response());
    }
    for (int i = next; i < ops.size() && ops.get(i).invoke() <= firstResponse; i = done.nextClearBit(i + 1)) {
      Op op = ops.get(i);
      for (State before : beforeOp(state)) {
        State after = apply(before, op);
        if (after != null) {
          done.set(i);
          boolean found = search(after, done);
          done.clear(i);
          if (found) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The state as is, and (if the cache holds something not stored) after Stowage flushed it on its own. */
  private static List<State> beforeOp(State state) {
    if (state.cache() != NOT_CACHED && state.cache() != state.stored()) {
      return List.of(state, new State(state.cache(), state.cache()));
    }
    return List.of(state);
  }

  /** The state after {@code op}, or null if {@code op}'s observed result is impossible in {@code state}. */
  private static State apply(State s, Op op) {
    long visible = s.cache() != NOT_CACHED ? s.cache() : s.stored();
    return switch (op.kind()) {
      case GET -> op.value() == visible ? new State(visible, s.stored()) : null;
      case SET_DURABLE -> new State(op.value(), op.value());
      case SET_CACHE_ONLY -> new State(op.value(), s.stored());
      case ENSURE -> s.cache() == NOT_CACHED ? s : new State(s.cache(), s.cache());
      case CLEAR -> {
        if (op.missing()) {
          yield visible == ABSENT ? s : null;
        }
        yield visible == ABSENT ? null : new State(ABSENT, ABSENT);
      }
      case CLEAR_CACHE_FLUSH -> new State(NOT_CACHED, s.cache() == NOT_CACHED ? s.stored() : s.cache());
      case CLEAR_CACHE_DISCARD -> new State(NOT_CACHED, s.stored());
    };
  }
}
