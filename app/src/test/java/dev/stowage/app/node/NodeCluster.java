package dev.stowage.app.node;

import dev.stowage.cluster.TestPostgres;
import dev.stowage.cluster.loopback.LoopbackCluster;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A cluster of {@code stowage node} processes on 127.0.0.1 over the tests' PostgreSQL, each running
 * the load (once all have started) with a history of its own ({@code DIR/node-<i>-<incarnation>.history}): the process-fault
 * tests' cluster. Node {@code i} keeps its port across restarts (a new incarnation, a new UID, the
 * same address), and each restart gets the next incarnation number, so that its write ids are new.
 */
final class NodeCluster implements AutoCloseable {
  static final Duration STARTING = Duration.ofSeconds(120);
  private static final String LOGGING = "logback-node.xml";
  /**
   * The nodes' logging: to their standard error (the node's .log file), cluster membership, where
   * Cluster Sharding puts and moves each shard (its debug log: allocations, hand-offs), and
   * warnings. The test's configuration has Pekko publish debug events only where this enables them
   * ({@code Slf4jLoggingFilter}).
   */
  private static final String LOGBACK = """
      <configuration>
        <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
          <target>System.err</target>
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{30} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.pekko.cluster" level="INFO"/>
        <logger name="org.apache.pekko.cluster.sharding" level="DEBUG"/>
        <root level="WARN"><appender-ref ref="STDERR"/></root>
      </configuration>
      """;

  private final Path dir;
  private final Path configFile;
  private final Path keyFile;
  private final int keys;
  private final int[] ports;
  private final int[] incarnations;
  private final NodeProcess[] nodes;
  /** When each node's current incarnation became ready, in start order: the oldest is the smallest. */
  private final long[] readySequence;
  private long sequence;
  private final List<Path> histories = new ArrayList<>();

  private NodeCluster(Path dir, int size, int keys) throws IOException {
    this.dir = dir;
    this.keys = keys;
    this.configFile = dir.resolve("node.conf");
    this.keyFile = dir.resolve("stowage.key");
    this.ports = new int[size];
    this.incarnations = new int[size];
    this.nodes = new NodeProcess[size];
    this.readySequence = new long[size];
    for (int i = 0; i < size; i++) {
      ports[i] = LoopbackCluster.freeLoopbackPort();
      incarnations[i] = -1;
    }
  }

  /** Starts {@code size} nodes on {@code config} (over the tests' database), node 0 first, as seed. */
  static NodeCluster start(Path dir, int size, int keys, String config) throws Exception {
    NodeCluster cluster = new NodeCluster(dir, size, keys);
    try {
      Files.writeString(cluster.configFile, TestPostgres.config() + config);
      Files.writeString(cluster.dir.resolve(LOGGING), LOGBACK);
      LocalKey.generate().save(cluster.keyFile);
      cluster.launch(0);
      cluster.awaitReady(0);
      for (int i = 1; i < size; i++) {
        cluster.launch(i);
      }
      for (int i = 1; i < size; i++) {
        cluster.awaitReady(i);
      }
      for (int i = 0; i < size; i++) {
        cluster.startLoad(i);
      }
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  int size() {
    return nodes.length;
  }

  int keys() {
    return keys;
  }

  NodeProcess node(int i) {
    return nodes[i];
  }

  /** Every history file written so far, of every incarnation. */
  List<Path> histories() {
    return List.copyOf(histories);
  }

  /** The running node that became ready first: the oldest member, where the shard coordinator runs. */
  int oldest() {
    int oldest = -1;
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null && nodes[i].alive() && (oldest < 0 || readySequence[i] < readySequence[oldest])) {
        oldest = i;
      }
    }
    return oldest;
  }

  /** The running node numbers other than {@code i}. */
  List<Integer> others(int i) {
    List<Integer> others = new ArrayList<>();
    for (int j = 0; j < nodes.length; j++) {
      if (j != i && nodes[j] != null && nodes[j].alive()) {
        others.add(j);
      }
    }
    return others;
  }

  /** Starts node {@code i} again (a new incarnation), its seeds the running nodes, and waits until it is ready. */
  void restart(int i) throws Exception {
    launch(i);
    awaitReady(i);
    startLoad(i);
  }

  private void startLoad(int i) throws Exception {
    nodes[i].send("start-load");
    nodes[i].await(line -> line.equals("load started"), Duration.ofMinutes(1));
  }

  private void launch(int i) throws IOException {
    incarnations[i]++;
    String name = "node-" + i + "-" + incarnations[i];
    Path history = dir.resolve(name + ".history");
    histories.add(history);
    List<String> arguments = new ArrayList<>(List.of("--config", configFile.toString(), "--key-file", keyFile.toString(),
        "--dir", dir.resolve("node-" + i).toString(), "--system", "stowage-faults", "--test-transport",
        "--history", history.toString(), "--node-index", Integer.toString(i),
        "--incarnation", Integer.toString(incarnations[i]), "--keys", Integer.toString(keys),
        "--writers", "2", "--pause-ms", "15"));
    for (int j : others(i)) {
      arguments.add("--seed");
      arguments.add(nodes[j].hostPort());
    }
    nodes[i] = NodeProcess.start(name, ports[i], List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dlogback.configurationFile=" + dir.resolve(LOGGING).toAbsolutePath()),
        arguments, dir.resolve(name + ".log"));
  }

  private void awaitReady(int i) throws TimeoutException, InterruptedException {
    nodes[i].awaitReady(STARTING);
    readySequence[i] = ++sequence;
  }

  /**
   * Reads every key through node {@code i}: key number to write id (0: absent); a key whose read
   * failed maps to null.
   */
  Map<Integer, Long> readAll(int i) throws Exception {
    nodes[i].send("read-all");
    Map<Integer, Long> values = new HashMap<>();
    for (String line : nodes[i].collect(line -> line.equals("read done"), Duration.ofMinutes(5))) {
      String[] words = line.split(" ");
      if (words[0].equals("value")) {
        values.put(Integer.parseInt(words[1]), words[2].startsWith("err:") ? null : Long.parseLong(words[2]));
      }
    }
    return values;
  }

  /** The manifest entities node {@code i} hosts now. */
  int hosted(int i) throws Exception {
    return nodes[i].hosted(Duration.ofMinutes(1));
  }

  @Override
  public void close() throws InterruptedException {
    for (NodeProcess node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }
}
