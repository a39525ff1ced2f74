package dev.stowage.actors;

import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code clearMemoryCache} and {@code close} calls of a run, each with the node it was made on,
 * turned at the end into the operations they are in one key's history. On the node that caches the
 * key ({@link WorkspaceNodes#cachingNodes}) a call has its whole effect: a flush (close,
 * clearMemoryCache(true)) or a discard of the key's cache. On another node a discard may reach the
 * key's cache or not ({@link Kind#CLEAR_CACHE_DISCARD_ELSEWHERE}): in cluster mode it reaches only
 * the entities of its node today, and every node's once it is workspace-wide. A flush elsewhere is
 * left out: the model lets Stowage flush a key on its own at any time.
 */
final class CacheClears {
  private record Call(int node, boolean flush, long invoke, long response) {}

  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

  /** A call on {@code node}: a flush (close, clearMemoryCache(true)) or a discard, from invoke to response (nanoTime). */
  void add(int node, boolean flush, long invoke, long response) {
    calls.add(new Call(node, flush, invoke, response));
  }

  /** The calls as operations of the history of a key cached on {@code cachingNode}. */
  List<Op> forKey(int cachingNode) {
    List<Op> ops = new ArrayList<>();
    synchronized (calls) {
      for (Call call : calls) {
        if (call.node == cachingNode) {
          ops.add(new Op(call.flush ? Kind.CLEAR_CACHE_FLUSH : Kind.CLEAR_CACHE_DISCARD, call.invoke, call.response, 0,
              false));
        } else if (!call.flush) {
          ops.add(new Op(Kind.CLEAR_CACHE_DISCARD_ELSEWHERE, call.invoke, call.response, 0, false));
        }
      }
    }
    return ops;
  }
}
