package dev.stowage.app.node;

import dev.stowage.app.StowageCli;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A {@code stowage node} running as a child process of this JVM, on this JVM's {@code java} and
 * class path: what {@code demo --cluster N --processes} and the process-fault tests start. Its
 * standard output is read line by line into a queue ({@link #await}); its standard error goes to
 * {@code <name>.log} beside its history, so that what it logs is kept for a failed run.
 */
public final class NodeProcess implements AutoCloseable {
  private final String name;
  private final int port;
  private final Process process;
  private final Writer input;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private NodeProcess(String name, int port, Process process) {
    this.name = name;
    this.port = port;
    this.process = process;
    this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readOutput, "stowage-node-output-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code stowage node} with {@code arguments} (its options, {@code --port} among them),
   * and {@code jvmOptions} before the class name.
   */
  public static NodeProcess start(String name, int port, List<String> jvmOptions, List<String> arguments, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StowageCli.class.getName());
    command.add("node");
    command.add("--port");
    command.add(Integer.toString(port));
    command.addAll(arguments);
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    return new NodeProcess(name, port, process);
  }

  public String name() {
    return name;
  }

  /** The node's address without the system: {@code 127.0.0.1:<port>}. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** Sends one command line. */
  public void send(String command) throws IOException {
    input.write(command + "\n");
    input.flush();
  }

  /**
   * The next output line that {@code wanted} accepts; lines before it are skipped.
   *
   * @throws TimeoutException if none came within {@code timeout}, or the process ended first
   */
  public String await(Predicate<String> wanted, Duration timeout) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new TimeoutException("node " + name + ": no such line within " + timeout.toSeconds() + " s"
            + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")"));
      }
      if (wanted.test(line)) {
        return line;
      }
    }
  }

  /** Waits for the node's {@code ready <address>}: it is an Up member and serves the workspace. */
  public void awaitReady(Duration timeout) throws TimeoutException, InterruptedException {
    await(line -> line.startsWith("ready "), timeout);
  }

  /** The manifest entities the node hosts now (its {@code hosted} command). */
  public int hosted(Duration timeout) throws IOException, TimeoutException, InterruptedException {
    send("hosted");
    String answer = await(line -> line.startsWith("hosted ") || line.startsWith("error "), timeout);
    if (answer.startsWith("error ")) {
      throw new IllegalStateException("node " + name + " could not count its entities: " + answer);
    }
    return Integer.parseInt(answer.substring("hosted ".length()));
  }

  /** Every output line until and without the first that {@code last} accepts. */
  public List<String> collect(Predicate<String> last, Duration timeout) throws TimeoutException, InterruptedException {
    List<String> collected = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = await(any -> true, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (last.test(line)) {
        return collected;
      }
      collected.add(line);
    }
  }

  /** SIGKILL: the process dies at once, nothing flushed, nobody told. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Waits for the process to exit; its exit code, or -1 if it has not exited within {@code timeout}. */
  public int waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  private void readOutput() {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // The process is gone; await reports it.
    }
  }

  /** Asks the node to quit (leave the cluster, exit), and kills it if it has not within 60 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      try {
        send("quit");
        input.close();
      } catch (IOException e) {
        // Its input is closed: it has exited, or is exiting.
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
