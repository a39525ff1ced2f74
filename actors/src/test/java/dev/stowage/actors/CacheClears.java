package dev.stowage.actors;

import dev.stowage.actors.LinearizabilityChecker.Kind;
import dev.stowage.actors.LinearizabilityChecker.Op;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code clearMemoryCache} and {@code close} calls of a run, each with the node it was made on,
 * turned at the end into the operations they are in one key's history. A {@code clearMemoryCache}
 * is workspace-wide (in cluster mode it reaches every node's entities), and so is a call on the
 * node that caches the key ({@link WorkspaceNodes#cachingNodes}): each has its whole effect on the
 * key, a flush (clearMemoryCache(true), close) or a discard of its cache. A close on another node
 * leaves the key's entity alone; were a discard ever not to reach it, the history would show it.
 */
final class CacheClears {
  private record Call(int node, boolean flush, boolean workspaceWide, long invoke, long response) {}

  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

  /** A clearMemoryCache on {@code node}, from invoke to response (nanoTime): workspace-wide. */
  void clear(int node, boolean flush, long invoke, long response) {
    calls.add(new Call(node, flush, true, invoke, response));
  }

  /** A close on {@code node}, from invoke to response (nanoTime): it flushes what that node caches. */
  void close(int node, long invoke, long response) {
    calls.add(new Call(node, true, false, invoke, response));
  }

  /** The calls as operations of the history of a key cached on {@code cachingNode}. */
  List<Op> forKey(int cachingNode) {
    List<Op> ops = new ArrayList<>();
    synchronized (calls) {
      for (Call call : calls) {
        if (call.workspaceWide || call.node == cachingNode) {
          ops.add(new Op(call.flush ? Kind.CLEAR_CACHE_FLUSH : Kind.CLEAR_CACHE_DISCARD, call.invoke, call.response, 0,
              false));
        } // a close elsewhere: nothing to this key (the model lets Stowage flush a key on its own at any time)
      }
    }
    return ops;
  }
}
