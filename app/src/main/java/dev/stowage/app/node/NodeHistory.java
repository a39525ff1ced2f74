package dev.stowage.app.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A node's record of the calls its load made, for a checker to read after the run (Jepsen's
 * history): one line per event, each one {@code write(2)}, so that a SIGKILL of the node keeps
 * every line written before it (the kernel has it). Times are nanoseconds since the epoch of the
 * system clock, which every process of one machine shares.
 *
 * <p>Lines:
 *
 * <ul>
 *   <li>{@code I <kind> <key> <value> <invoke>}: a write is about to be called (before it is
 *       sent). A write with no {@code C} line has an unknown outcome: it may have taken effect.
 *   <li>{@code C <kind> <key> <value> <invoke> <response> <outcome>}: a call was answered. {@code
 *       <outcome>} is {@code ok}; {@code refused:<exception>} when the call was refused before
 *       anything was sent (overload, or a node cut off from the majority), so it cannot have taken
 *       effect; or {@code err:<exception>} (the type of the {@code StorageException}, or of what
 *       else failed the call), when it may have. A read's value is the write id it
 *       read, 0 for an absent entry.
 * </ul>
 *
 * {@code <kind>} is {@code GET}, {@code SET_DURABLE}, {@code SET_CACHE_ONLY}, {@code ENSURE} or
 * {@code UPDATE_MANIFESTS}; {@code <key>} is the key's number. An {@code UPDATE_MANIFESTS} line (a
 * tree transaction writing two keys) names its first key and value in the usual places and its
 * second key and value at the end: {@code I UPDATE_MANIFESTS <key> <value> <invoke> <key2> <value2>}
 * and {@code C UPDATE_MANIFESTS <key> <value> <invoke> <response> <outcome> <key2> <value2>}.
 */
public final class NodeHistory implements AutoCloseable {
  /** The kind of a tree transaction's lines. */
  static final String PAIR = "UPDATE_MANIFESTS";

  private final FileChannel channel;

  private NodeHistory(FileChannel channel) {
    this.channel = channel;
  }

  /** Opens {@code file} for appending, creating it if needed. */
  public static NodeHistory open(Path file) throws IOException {
    return new NodeHistory(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND));
  }

  /** Now, in nanoseconds since the epoch. */
  static long now() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Records that a write is about to be called. */
  void invoked(String kind, int key, long value, long invoke) {
    append("I " + kind + " " + key + " " + value + " " + invoke + "\n");
  }

  /** Records that a tree transaction writing {@code value} to {@code key} and {@code value2} to {@code key2} is about to be called. */
  void invokedPair(int key, long value, int key2, long value2, long invoke) {
    append("I " + PAIR + " " + key + " " + value + " " + invoke + " " + key2 + " " + value2 + "\n");
  }

  /** Records a tree transaction's answer ({@link #invokedPair}). */
  void completedPair(int key, long value, int key2, long value2, long invoke, long response, String outcome) {
    append("C " + PAIR + " " + key + " " + value + " " + invoke + " " + response + " " + outcome + " " + key2 + " "
        + value2 + "\n");
  }

  /** Records a call's answer. */
  void completed(String kind, int key, long value, long invoke, long response, String outcome) {
    append("C " + kind + " " + key + " " + value + " " + invoke + " " + response + " " + outcome + "\n");
  }

  private synchronized void append(String line) {
    try {
      ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
