package dev.stowage.app.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.app.node.FaultHistory.Call;
import dev.stowage.app.node.FaultHistory.Fault;
import dev.stowage.app.node.FaultHistory.Verdict;
import dev.stowage.cluster.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode under real faults, Jepsen's way: three {@code stowage node} processes on 127.0.0.1
 * over the tests' PostgreSQL, each running a load of reads, durable and cache-only writes and
 * ensures on the same keys and recording every call ({@link NodeHistory}), with the split-brain
 * resolver of cluster mode's defaults (keep-majority), tuned to decide in seconds. Each round:
 *
 * <ol>
 *   <li>SIGKILL of a node, nobody downing it by hand: in even rounds the node that is not the
 *       oldest hosting the most entities, in odd ones the oldest, where the shard coordinator runs;
 *   <li>a partition of one node from the other two (Artery's test transport drops their traffic
 *       both ways), held until the resolver has downed the minority, which then stops;
 *   <li>PostgreSQL stopped (SIGSTOP of the server and its backends) for longer than {@code
 *       ask-timeout}, then resumed.
 * </ol>
 *
 * Each fault may cost un-ensured cache-only writes, and only those: a kill or the downed minority
 * loses its entities' memory, and in the PostgreSQL stall an entity whose flush fails drops what it
 * held unwritten and is reloaded (INV-6).
 *
 * After each fault the cluster must serve every key again through the survivors; a killed or
 * downed node then starts again as a new process. At the end, the load stops, every node reads
 * every key (all must read the same), and {@link FaultHistory} checks the histories: no
 * acknowledged durable or ensured write lost, every key linearizable. The minority side's calls
 * made during the partition must all be answered, with a typed error or a value, none by {@code
 * ask-timeout}.
 *
 * <p>One round by default; {@code -Dstowage.test.process-faults=N} runs N (the reliability profile:
 * 20). The figures of each run go to {@code target/process-faults.txt}.
 */
class ProcessClusterFaultsTest {
  private static final int ROUNDS = Integer.getInteger("stowage.test.process-faults", 1);
  private static final int KEYS = 24;
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(8);
  private static final Duration RECOVERY = Duration.ofMinutes(2);
  /** How long the load runs between two faults, at least. */
  private static final long LOAD_MILLIS = 1_500;

  /**
   * Timings a test can wait out: the resolver decides 5 s after the membership settles. The failure
   * detector keeps Pekko's defaults (a node is unreachable after about 3 s without heartbeats): on a
   * 2-core machine running four JVMs and PostgreSQL, a restarting node's JIT alone stalled a live
   * node's heartbeats for 2 s, and a shorter pause had the resolver down the whole cluster.
   */
  private static final String CONFIG = "stowage.ask-timeout = " + ASK_TIMEOUT.toSeconds() + "s\n"
      + "stowage.cluster.number-of-shards = 12\n"
      + "stowage.cluster.preallocate-shards = off\n"
      + "pekko.cluster.split-brain-resolver.stable-after = 5s\n"
      // a restarted node gets shards back within seconds, so that the next fault takes some of its
      + "pekko.cluster.sharding.rebalance-interval = 2s\n"
      // a hand-off cut by the partition holds its shard this long (Pekko's default: 1 minute)
      + "pekko.cluster.sharding.handoff-timeout = 10s\n"
      // the node logs say where each shard was, for a failed run to be read (NodeCluster's logging)
      + "pekko.loglevel = DEBUG\n"
      + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n";

  /** Kept after the run, histories and node logs, for a failed run to be read. */
  private final Path dir = Path.of("target", "process-faults", Long.toString(System.currentTimeMillis()));

  private final List<String> report = new ArrayList<>();

  @Test
  @DisplayName("INV-8, INV-17: node processes SIGKILLed, partitioned, PostgreSQL stopped, under load:"
      + " nothing acknowledged lost, every key linearizable, the minority answered")
  void faultsUnderLoad() throws Exception {
    List<Fault> faults = new ArrayList<>();
    List<MinorityCalls> minorities = new ArrayList<>();
    Map<Integer, Long> finals;
    long finalTime;
    Files.createDirectories(dir);
    try (NodeCluster cluster = NodeCluster.start(dir, 3, KEYS, CONFIG)) {
      Thread.sleep(LOAD_MILLIS);
      for (int round = 0; round < ROUNDS; round++) {
        faults.add(round % 2 == 0 ? kill(cluster, notOldest(cluster), "kill")
            : kill(cluster, cluster.oldest(), "kill of the oldest"));
        faults.add(partition(cluster, minorities));
        faults.add(pausePostgres(cluster));
      }
      for (int i = 0; i < cluster.size(); i++) {
        cluster.node(i).send("stop-load");
      }
      for (int i = 0; i < cluster.size(); i++) {
        cluster.node(i).await(line -> line.startsWith("load stopped"), Duration.ofMinutes(2));
      }
      finalTime = NodeHistory.now();
      finals = cluster.readAll(0);
      for (int i = 1; i < cluster.size(); i++) {
        assertThat(cluster.readAll(i)).as("every node reads what node 0 reads").isEqualTo(finals);
      }
      assertThat(finals.values()).as("every key is served at the end").doesNotContainNull();
      FaultHistory history = FaultHistory.read(cluster.histories());
      Verdict verdict = history.check(faults, finals, finalTime);
      for (MinorityCalls minority : minorities) {
        minority.read(history);
      }
      report(verdict, faults, minorities);
      assertThat(verdict.lost()).as("acknowledged durable or ensured writes lost").isEmpty();
      assertThat(verdict.notLinearizable()).as("keys whose history is not linearizable").isEmpty();
      assertThat(verdict.torn()).as("tree transactions seen half applied").isEmpty();
      assertThat(verdict.transactionsAcknowledged()).as("tree transactions acknowledged").isPositive();
      assertThat(verdict.acknowledgedWrites()).as("writes acknowledged").isGreaterThan(100);
      for (MinorityCalls minority : minorities) {
        assertThat(minority.timedOut).as("minority calls answered by ask-timeout, not a typed error").isEmpty();
        assertThat(minority.answered).as("minority calls answered during the partition").isPositive();
        assertThat(minority.unanswered).as("minority calls never answered").isEmpty();
      }
    }
  }

  /** Kills node {@code victim} with SIGKILL, waits until the survivors serve every key, restarts it. */
  private Fault kill(NodeCluster cluster, int victim, String name) throws Exception {
    assertThat(cluster.hosted(victim)).as("entities the victim hosts: the kill takes some").isPositive();
    long start = NodeHistory.now();
    cluster.node(victim).kill();
    long end = awaitServed(cluster, cluster.others(victim).get(0), start);
    restart(cluster, victim);
    return new Fault(name + " of node " + victim, start, end, true);
  }

  /**
   * Cuts a node that is not the oldest from the other two until the resolver has downed it (its
   * process ends), waits until the majority serves every key, heals, and restarts the node.
   */
  private Fault partition(NodeCluster cluster, List<MinorityCalls> minorities) throws Exception {
    int minority = notOldest(cluster);
    assertThat(cluster.hosted(minority)).as("entities the minority hosts").isPositive();
    List<Integer> majority = cluster.others(minority);
    long start = NodeHistory.now();
    for (int i : majority) {
      cluster.node(minority).send("partition " + cluster.node(i).hostPort());
      cluster.node(i).send("partition " + cluster.node(minority).hostPort());
    }
    NodeProcess cut = cluster.node(minority);
    cut.await(line -> line.equals("terminated"), RECOVERY);
    long downed = NodeHistory.now();
    assertThat(cut.waitFor(Duration.ofMinutes(1))).as("the downed minority node's exit code").isEqualTo(3);
    long end = awaitServed(cluster, majority.get(0), start);
    for (int i : majority) {
      cluster.node(i).send("heal " + cut.hostPort());
    }
    minorities.add(new MinorityCalls(cut.name(), start, downed));
    restart(cluster, minority);
    return new Fault("partition of node " + minority, start, end, true);
  }

  /**
   * Stops PostgreSQL (the server and its backends) for longer than ask-timeout, resumes it, waits
   * until served. It comes right after the partitioned node's restart, while the coordinator is
   * still moving shards back to it: a hand-off during the stall force-stops entities whose flush is
   * stuck behind it, their new incarnations take their rows over on the restarted node, and the
   * stuck flushes must then be refused (counted in the report as force-stopped hand-offs).
   */
  private Fault pausePostgres(NodeCluster cluster) throws Exception {
    List<ProcessHandle> server = postgresProcesses();
    long start = NodeHistory.now();
    signal("STOP", server);
    try {
      Thread.sleep(ASK_TIMEOUT.plusSeconds(2).toMillis());
    } finally {
      signal("CONT", server);
    }
    long end = awaitServed(cluster, cluster.oldest(), start);
    Thread.sleep(LOAD_MILLIS);
    // A flush that fails in the stall fails its entity, which drops what it held unwritten and is
    // reloaded (INV-6, as an I/O error in local mode): un-ensured cache-only writes may go with it.
    return new Fault("PostgreSQL stopped", start, end, true);
  }

  /** The PostgreSQL server's processes: the postmaster (the parent of a backend) and its children. */
  private static List<ProcessHandle> postgresProcesses() throws Exception {
    // while the connection is open: its backend ends with it
    try (Connection db = TestPostgres.connect(); Statement statement = db.createStatement();
        ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
      row.next();
      ProcessHandle postmaster = ProcessHandle.of(row.getLong(1)).flatMap(ProcessHandle::parent)
          .orElseThrow(() -> new AssertionError("PostgreSQL's server process is not on this machine"));
      return Stream.concat(Stream.of(postmaster), postmaster.descendants()).toList();
    }
  }

  /** Sends {@code signal} to each of {@code processes} still running (a backend may end meanwhile). */
  private static void signal(String signal, List<ProcessHandle> processes) throws Exception {
    for (ProcessHandle process : processes) {
      // a backend may have ended since it was listed: kill says so on its error output, which is not news
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      boolean sent = kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0;
      assertThat(sent || !process.isAlive()).as("kill -" + signal + " " + process.pid()).isTrue();
    }
  }

  /** Reads every key through node {@code through} until all are served; the time they were. */
  private static long awaitServed(NodeCluster cluster, int through, long since) throws Exception {
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    while (true) {
      Map<Integer, Long> values = cluster.readAll(through);
      if (values.size() == cluster.keys() && values.values().stream().allMatch(Objects::nonNull)) {
        return NodeHistory.now();
      }
      assertThat(System.nanoTime()).as("every key served again within " + RECOVERY.toSeconds() + " s").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** Starts node {@code i} again, and lets the load run until it hosts entities again (shards rebalanced to it). */
  private static void restart(NodeCluster cluster, int i) throws Exception {
    cluster.restart(i);
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    do {
      Thread.sleep(LOAD_MILLIS);
      assertThat(System.nanoTime()).as("node " + i + " hosts entities again within " + RECOVERY.toSeconds() + " s")
          .isLessThan(deadline);
    } while (cluster.hosted(i) == 0);
  }

  /** Of the nodes that are not the oldest, the one hosting the most entities. */
  private static int notOldest(NodeCluster cluster) throws Exception {
    int chosen = -1;
    int most = -1;
    for (int i : cluster.others(cluster.oldest())) {
      int hosted = cluster.hosted(i);
      if (hosted > most) {
        chosen = i;
        most = hosted;
      }
    }
    return chosen;
  }

  /** The calls the minority side made during a partition, until its node stopped. */
  private static final class MinorityCalls {
    final String node;
    final long start;
    final long downed;
    final List<Call> timedOut = new ArrayList<>();
    final List<Call> unanswered = new ArrayList<>();
    long answered;
    long slowestNanos;

    MinorityCalls(String node, long start, long downed) {
      this.node = node;
      this.start = start;
      this.downed = downed;
    }

    void read(FaultHistory history) {
      for (Call call : Stream.concat(history.calls().stream(), history.refused().stream()).toList()) {
        if (!call.node().equals(node) || call.invoke() < start) {
          continue;
        }
        if (call.response() == Long.MAX_VALUE) {
          unanswered.add(call);
        } else {
          answered++;
          slowestNanos = Math.max(slowestNanos, call.response() - call.invoke());
          if (call.outcome().contains("Timeout")) {
            timedOut.add(call);
          }
        }
      }
    }
  }

  /** Pekko's warning, in the node logs, each time a hand-off stopped entities that had not stopped by themselves. */
  private long forceStoppedHandOffs() throws Exception {
    long count = 0;
    try (Stream<Path> logs = Files.list(dir)) {
      for (Path log : logs.filter(file -> file.toString().endsWith(".log")).toList()) {
        try (Stream<String> lines = Files.lines(log)) {
          count += lines.filter(line -> line.contains("stopping the remaining")).count();
        }
      }
    }
    return count;
  }

  private void report(Verdict verdict, List<Fault> faults, List<MinorityCalls> minorities) throws Exception {
    report.add(String.format("process faults: %d rounds, %d faults; %,d calls, %,d writes acknowledged, %,d with no"
            + " answer or an error; lost %d; keys not linearizable %d; %,d tree transactions sent (%,d acknowledged),"
            + " %d seen torn", ROUNDS, faults.size(), verdict.calls(), verdict.acknowledgedWrites(),
        verdict.unknownWrites(), verdict.lost().size(), verdict.notLinearizable().size(), verdict.transactions(),
        verdict.transactionsAcknowledged(), verdict.torn().size()));
    for (Fault fault : faults) {
      report.add(String.format("  %-28s served again after %.1f s (from %d to %d ns since the epoch)", fault.name(),
          (fault.end() - fault.start()) / 1e9, fault.start(), fault.end()));
    }
    for (MinorityCalls minority : minorities) {
      report.add(String.format("  minority %s: downed after %.1f s; %d calls answered (slowest %.1f s), %d by a"
              + " timeout, %d never answered", minority.node, (minority.downed - minority.start) / 1e9, minority.answered,
          minority.slowestNanos / 1e9, minority.timedOut.size(), minority.unanswered.size()));
    }
    report.add(String.format("  hand-offs whose entities were force-stopped (their flush stuck): %d", forceStoppedHandOffs()));
    verdict.lost().stream().limit(20).forEach(line -> report.add("  lost: " + line));
    verdict.torn().stream().limit(20).forEach(line -> report.add("  torn: " + line));
    report.forEach(System.out::println);
    Files.createDirectories(Path.of("target"));
    Files.write(Path.of("target", "process-faults.txt"), report);
  }
}
