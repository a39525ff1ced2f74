package dev.stowage.app.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The crash-test writer's record of acknowledged writes: one line per write, appended only after
 * the write's stage completed. Each line is one {@code write(2)}, so it survives a SIGKILL of the
 * writer (the kernel keeps it); a kill between the acknowledgement and the append only means that
 * write is not checked.
 *
 * <p>Lines: {@code M <file id> <version>} (a manifest version stored durably: durable set or
 * ensure), {@code C <chunk id> <size>} (a chunk stored), {@code B <block id>} (a block stored),
 * {@code U <chunk id>} (a chunk promoted to a block), and, written before the call and so not an
 * acknowledgement, {@code R <chunk id>} (a promotion requested) and the tree writer's {@code P}
 * lines; each followed by the {@link System#nanoTime()} of the acknowledgement. On Linux that is
 * {@code CLOCK_MONOTONIC}, the clock the power-cut layer stamps each file's last sync with, so a
 * verifier can tell which acknowledgements came after the last sync of the write-ahead log.
 *
 * <p>The log is written by Java, not through SQLite: under the power-cut layer it survives the
 * cut, as the record of what the writer's clients were told.
 */
final class AckLog implements AutoCloseable {
  private final FileChannel channel;
  private final CompletableFuture<Void> firstAppend = new CompletableFuture<>();

  AckLog(Path file) throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /** Appends {@code line} and the time of the acknowledgement (now). */
  synchronized void append(String line) {
    try {
      ByteBuffer bytes = ByteBuffer.wrap((line + " " + System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      firstAppend.complete(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Completes when the first line is appended. */
  CompletableFuture<Void> firstAppend() {
    return firstAppend;
  }

  /** The complete lines of a log (a line cut by the kill is ignored). */
  static List<String[]> read(Path file) throws IOException {
    List<String[]> lines = new ArrayList<>();
    if (!Files.exists(file)) {
      return lines;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return lines;
    }
    for (String line : text.substring(0, end).split("\n")) {
      if (!line.isBlank()) {
        lines.add(line.split(" "));
      }
    }
    return lines;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
