package dev.stowage.app.node;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryMissingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The commands a {@code stowage node} obeys on its standard input, one per line, each answered on
 * its standard output:
 *
 * <ul>
 *   <li>{@code partition HOST:PORT ...}: drop everything to and from those nodes ({@code
 *       --test-transport}); answers {@code partitioned}.
 *   <li>{@code heal HOST:PORT ...}: let it through again; answers {@code healed}.
 *   <li>{@code start-load}: start the load of {@code --history}; answers {@code load started}.
 *   <li>{@code stop-load}: stop the load and wait for its calls in flight; answers {@code load
 *       stopped <calls answered>}.
 *   <li>{@code read-all}: read every key of the load through this node; answers one {@code value
 *       <key> <write id>} line per key (0: absent; {@code err:<exception>}: the read failed), then
 *       {@code read done}.
 *   <li>{@code hosted}: answers {@code hosted <n>}, the manifest entities this node hosts.
 *   <li>{@code quit}: leave the cluster and exit.
 * </ul>
 *
 * A command that cannot be carried out answers {@code error <why>}; the node goes on.
 */
final class NodeControl {
  private static final long READ_TIMEOUT_SECONDS = 120;

  private final ActorSystem<?> system;
  private final WorkspaceStorage storage;
  /** Starts the load (null: no --history); called once, at {@code start-load}. */
  private final Supplier<NodeLoad> loadStarter;
  private NodeLoad load;
  private final int keys;
  private final PrintWriter out;
  private final ArteryPartition partition;

  NodeControl(ActorSystem<?> system, WorkspaceStorage storage, Supplier<NodeLoad> loadStarter, int keys,
      PrintWriter out) {
    this.system = system;
    this.storage = storage;
    this.loadStarter = loadStarter;
    this.keys = keys;
    this.out = out;
    this.partition = new ArteryPartition(system);
  }

  /** Carries out one command; false for {@code quit}. */
  boolean obey(String line) {
    String[] words = line.split("\\s+");
    try {
      switch (words[0]) {
        case "" -> {
          return true;
        }
        case "partition", "heal" -> {
          for (int i = 1; i < words.length; i++) {
            if (words[0].equals("partition")) {
              partition.cut(words[i]);
            } else {
              partition.heal(words[i]);
            }
          }
          out.println(words[0].equals("partition") ? "partitioned" : "healed");
        }
        case "start-load" -> {
          if (loadStarter == null || load != null) {
            throw new IllegalStateException(load != null ? "the load runs already" : "no load to run (no --history)");
          }
          load = loadStarter.get();
          out.println("load started");
        }
        case "stop-load" -> {
          if (load == null) {
            throw new IllegalStateException("no load runs (start-load)");
          }
          load.close();
          out.println("load stopped " + load.calls());
        }
        case "read-all" -> readAll();
        case "hosted" -> out.println("hosted " + storage.stats().toCompletableFuture()
            .get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS).liveEntities());
        case "quit" -> {
          return false;
        }
        case "help" -> out.println("commands: partition HOST:PORT..., heal HOST:PORT..., start-load, stop-load, read-all, hosted, quit");
        default -> out.println("error unknown command '" + words[0] + "' (help lists them)");
      }
    } catch (Exception e) {
      out.println("error " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    out.flush();
    return true;
  }

  private void readAll() throws InterruptedException {
    for (int key = 0; key < keys; key++) {
      String value;
      try {
        value = Long.toString(NodeLoad.writeId(storage.getManifest(NodeLoad.key(key)).toCompletableFuture()
            .get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS)));
      } catch (ExecutionException e) {
        value = e.getCause() instanceof EntryMissingException ? "0" : "err:" + e.getCause().getClass().getSimpleName();
      } catch (TimeoutException e) {
        value = "err:TimeoutException";
      }
      out.println("value " + key + " " + value);
    }
    out.println("read done");
  }

  /** Stops the load if it runs (its calls in flight answered, or given up on); its history is closed. */
  void stopLoad() throws IOException {
    if (load != null) {
      load.close();
    }
  }

  /** Stops the load, closes the workspace (flushing this node's entities) and leaves the cluster. */
  void quit() throws Exception {
    stopLoad();
    try {
      storage.close().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      system.terminate();
    }
  }
}
