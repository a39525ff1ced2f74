package dev.stowage.actors;

import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.OverloadSettings.WhenFull;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.facade.ActorWorkspaceStorage;
import dev.stowage.actors.facade.CallAdmission;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageOverloadedException;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.LocalKey;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A host that calls ten times faster than the disk commits, with the default {@code
 * stowage.overload} settings, in each {@code when-full} mode (issue 16). Local mode runs it in
 * {@link OverloadFloodTest}, cluster mode on three nodes in {@code ClusterOverloadFloodTest}: the
 * workspace opens on every node of {@link #nodes()}, and each node's façade (which admits on its
 * own: the limits are per workspace and node) has its own sending thread, whose keys' entities
 * live on any node.
 *
 * <p>The workload is durable writes: {@code setChunk} of 16 KiB (the demo's chunk size) over
 * {@value #CHUNKS} chunk ids and durable {@code setManifest} over {@value #KEYS} keys, half each,
 * every write a new version of its id (so the files stay small however long it runs).
 *
 * <ol>
 *   <li>Sustainable rate: {@value #CLIENTS} clients in a closed loop (each waits for its answer
 *       before its next call; fewer if the chunks of that many would pass {@code
 *       max-bytes-in-flight}: within the limits, so none is ever refused),
 *       after two seconds of the same to warm up; the best of three one-second windows.
 *   <li>Flood: ten times that rate, open loop (two threads, or one per node if there are more,
 *       send on schedule and never wait for an answer, each on ids of its own, so that each id's
 *       calls come from one caller in order), for {@code -Dstowage.overload.flood-seconds} (by
 *       default {@link #floodSeconds}). Meanwhile the heap is sampled after a GC.
 *   <li>Recovery: the closed loop again, which must get no overload error at all.
 *   <li>Close, reopen: every chunk and key holds its last acknowledged version or a newer one.
 * </ol>
 *
 * <p>It asserts behaviour only, never a duration: every call is answered with {@code Done} or
 * {@link StorageOverloadedException}, never a timeout or anything else, and none is left pending;
 * the heap retained during the flood stays under a bound derived from the settings (the payloads
 * the limits admit in flight and waiting, a per-call allowance, the entities); the admission never
 * holds more than its limits; no acknowledged write is lost. The figures it prints ({@code
 * overload:} lines) are those of docs/reliability.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OverloadFloodContract {
  private static final String FLOOD_SECONDS = "stowage.overload.flood-seconds";
  /** Bytes per chunk: 16 KiB, or {@code -Dstowage.overload.flood-chunk-size} (at most max-chunk-size). */
  private static final int CHUNK_SIZE = Integer.getInteger("stowage.overload.flood-chunk-size", 16 << 10);
  private static final int KEYS = 1_000;
  private static final int CHUNKS = 4_096;
  /**
   * Threads of the open loop, at least: what one thread can send is less than ten times what
   * Stowage commits. One per node if there are more nodes, each sending to its node's façade.
   */
  private static final int MIN_LANES = 2;
  /** The closed loop's clients, at most: group commit's batches are full with that many in flight. */
  private static final int CLIENTS = 512;
  private static final int OVERLOAD_FACTOR = 10;
  /** Per call in flight or waiting, beyond its payload: the ask, its reply, the messages, the stage. */
  private static final long PER_CALL_ALLOWANCE = 8 << 10;
  /** The entities of the keys, the caches, what the JIT and the actor system allocate meanwhile. */
  private static final long FIXED_ALLOWANCE = 64L << 20;
  private static final Instant UPDATED = Instant.parse("2026-01-01T00:00:00Z");
  private static final EntryId PARENT = EntryId.random();

  @TempDir Path base;

  private final List<EntryId> keys = new ArrayList<>();
  private final List<ChunkId> chunkIds = new ArrayList<>();

  protected OverloadFloodContract() {
    for (int i = 0; i < KEYS; i++) {
      keys.add(EntryId.random());
    }
    for (int i = 0; i < CHUNKS; i++) {
      chunkIds.add(ChunkId.random());
    }
  }

  /** The nodes the workspace opens on. */
  protected abstract WorkspaceNodes nodes();

  /**
   * Seconds of flood in {@code mode}, unless {@code -Dstowage.overload.flood-seconds} says: 10 s
   * for wait (the default mode), 5 s for fail: long enough to fill every limit (in flight and
   * waiting) and to sample the heap three times; the long floods are the reliability profile's
   * (120 s in both modes). Until 2026-12-07 wait flooded for 30 s, the length of the local runs in
   * docs/reliability.md's table.
   */
  protected int floodSeconds(WhenFull mode) {
    return mode == WhenFull.WAIT ? 10 : 5;
  }

  /** Whether {@code -Dstowage.overload.flood-seconds} sets the flood's length. */
  protected static boolean floodSecondsAsked() {
    return Integer.getInteger(FLOOD_SECONDS) != null;
  }

  private int floodSecondsIn(WhenFull mode) {
    return floodSecondsAsked() ? Integer.getInteger(FLOOD_SECONDS) : floodSeconds(mode);
  }

  /** The modes to flood in: both. */
  protected Stream<WhenFull> modes() {
    return Stream.of(WhenFull.values());
  }

  @ParameterizedTest(name = "when-full = {0}")
  @MethodSource("modes")
  @DisplayName("Ten times the sustainable rate: every call answered Done or StorageOverloadedException, the heap bounded "
      + "by the settings, no acknowledged write lost, and normal service once the load drops")
  void tenTimesTheSustainableRate(WhenFull mode) throws Exception {
    LocalKey key = LocalKey.generate();
    String workspace = "flood-" + mode.name().toLowerCase(java.util.Locale.ROOT);
    String overrides = "stowage.overload.when-full = " + mode.name().toLowerCase(java.util.Locale.ROOT);
    WorkspaceNodes nodes = nodes();
    List<WorkspaceStorage> storages = nodes.open(workspace, key, base, overrides);
    StorageSettings settings = TestSettings.in(base, overrides);
    OverloadSettings limits = settings.overload();
    int facades = storages.size();
    List<CallAdmission> admissions = storages.stream().map(s -> ((ActorWorkspaceStorage) s).admission()).toList();
    int clients = (int) Math.min(Math.min(CLIENTS, limits.maxCallsInFlight()), limits.maxBytesInFlight() / CHUNK_SIZE);
    Workload workload = new Workload(storages, clients);

    workload.closedLoop(2);
    double sustainable = 0;
    for (int window = 0; window < 3; window++) { // the best second: the machine is shared, a slow one is noise
      Tally measured = workload.closedLoop(1);
      assertThat(measured.overloaded.get()).as("the closed loop is never refused").isZero();
      sustainable = Math.max(sustainable, measured.done.get() / measured.seconds);
    }

    long baseline = heapAfterGc();
    // A payload in flight is held three times (the caller's array, its sealed copy, the statement's), a waiting one once.
    long payloadsInFlight = Math.min(limits.maxBytesInFlight(), (long) limits.maxCallsInFlight() * CHUNK_SIZE);
    long payloadsWaiting = Math.min(limits.maxBytesWaiting(), (long) limits.maxCallsWaiting() * CHUNK_SIZE);
    long bound = baseline + facades * (3 * payloadsInFlight + payloadsWaiting
        + (limits.maxCallsInFlight() + (long) limits.maxCallsWaiting()) * PER_CALL_ALLOWANCE) + FIXED_ALLOWANCE;
    int seconds = floodSecondsIn(mode);
    HeapSampler sampler = new HeapSampler(admissions, bound);
    Tally flood = workload.openLoop(sustainable * OVERLOAD_FACTOR, seconds);
    flood.awaitAllAnswered(settings.askTimeout().toSeconds() + limits.maxWait().toSeconds() + 30);
    sampler.stop();

    System.out.printf("overload: %d node(s), when-full=%s, default limits per node (in flight %d calls / %d MiB,"
            + " waiting %d calls / %d MiB, max-wait %d s), chunks of %d KiB%n"
            + "overload:   sustainable (closed loop, %d clients): %.0f calls/s%n"
            + "overload:   flood %d s: offered %.0f calls/s (%.1fx, %d calls), completed %.0f calls/s (%d Done),"
            + " refused %d (%.0f%%), other answers %d, pending %d; slowest acknowledged call %d ms%n"
            + "overload:   heap after GC: baseline %d MiB, peak during the flood %d MiB (bound %d MiB, -Xmx %d MiB);"
            + " peak in flight %d calls / %d MiB, peak waiting %d calls (at one node)%n",
        facades, mode, limits.maxCallsInFlight(), limits.maxBytesInFlight() >> 20, limits.maxCallsWaiting(),
        limits.maxBytesWaiting() >> 20, limits.maxWait().toSeconds(), CHUNK_SIZE >> 10,
        clients, sustainable,
        seconds, flood.sent.get() / flood.seconds, flood.sent.get() / flood.seconds / sustainable, flood.sent.get(),
        flood.done.get() / flood.seconds, flood.done.get(), flood.overloaded.get(),
        100.0 * flood.overloaded.get() / Math.max(1, flood.answered()), flood.otherCount.get(),
        flood.sent.get() - flood.answered(), flood.slowestDoneNanos.get() / 1_000_000,
        baseline >> 20, sampler.peakRetained.get() >> 20, bound >> 20, Runtime.getRuntime().maxMemory() >> 20,
        sampler.peakCallsInFlight.get(), sampler.peakBytesInFlight.get() >> 20, sampler.peakCallsWaiting.get());

    assertThat(flood.others).as("answers other than Done and StorageOverloadedException").isEmpty();
    assertThat(flood.answered()).as("every call answered").isEqualTo(flood.sent.get());
    for (CallAdmission admission : admissions) {
      assertThat(admission.callsInFlight()).as("nothing left in flight").isZero();
      assertThat(admission.bytesInFlight()).isZero();
      assertThat(admission.callsWaiting()).as("nothing left waiting").isZero();
    }
    assertThat(sampler.peakCallsInFlight.get()).isLessThanOrEqualTo(limits.maxCallsInFlight());
    assertThat(sampler.peakBytesInFlight.get()).isLessThanOrEqualTo(limits.maxBytesInFlight());
    assertThat(sampler.peakCallsWaiting.get()).isLessThanOrEqualTo(limits.maxCallsWaiting());
    assertThat(flood.overloaded.get()).as("the flood was more than Stowage could take: some calls refused").isPositive();
    assertThat(sampler.peakRetained.get()).as("heap retained during the flood (bound: baseline %d MiB + what the limits"
        + " admit); the live objects then:%n%s", baseline >> 20, sampler.histogram).isLessThanOrEqualTo(bound);

    Tally recovery = workload.closedLoop(3);
    long refusedInStats = 0;
    for (WorkspaceStorage storage : storages) {
      StorageStats stats = result(storage.stats());
      refusedInStats += stats.refusedCalls();
    }
    for (WorkspaceStorage storage : storages) {
      result(storage.close());
    }
    List<WorkspaceStorage> reopened = nodes.open(workspace, key, base, overrides);
    int chunksRead = workload.verifyEveryAcknowledgedWrite(reopened.get(0));
    for (WorkspaceStorage storage : reopened) {
      result(storage.close());
    }
    System.out.printf("overload:   recovery (closed loop, %d clients, 3 s): %d calls, %d Done, %d refused;"
            + " refusals counted in stats %d%n"
            + "overload:   after reopen: %d chunks and %d keys read back at their last acknowledged version or newer%n",
        clients, recovery.sent.get(), recovery.done.get(), recovery.overloaded.get(), refusedInStats,
        chunksRead, workload.keysWritten());

    assertThat(recovery.overloaded.get()).as("overload errors once the load dropped").isZero();
    assertThat(recovery.others).isEmpty();
    assertThat(recovery.done.get()).isEqualTo(recovery.sent.get()).isPositive();
    assertThat(refusedInStats).as("refusals counted in stats").isEqualTo(flood.overloaded.get());
  }

  /**
   * The heap in use just after a full collection: System.gc(), then what that collection left,
   * from its own record. A System.gc() can be skipped while a thread holds an array in a JNI
   * critical section (sqlite-jdbc binds every blob that way), and the heap would then count the
   * flood's garbage: that collection is asked for again, a little later.
   */
  private static long heapAfterGc() {
    com.sun.management.GarbageCollectorMXBean full = ManagementFactory
        .getPlatformMXBeans(com.sun.management.GarbageCollectorMXBean.class).stream()
        .filter(bean -> bean.getName().contains("Old") || bean.getName().contains("MarkSweep"))
        .findFirst().orElse(null);
    for (int attempt = 0; full != null && attempt < 20; attempt++) {
      long before = full.getCollectionCount();
      System.gc();
      com.sun.management.GcInfo last = full.getLastGcInfo();
      if (full.getCollectionCount() > before && last != null) {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP)
            .mapToLong(pool -> last.getMemoryUsageAfterGc().get(pool.getName()).getUsed())
            .sum();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The top of {@code jcmd GC.class_histogram}: what a heap over the bound is made of. */
  private static String liveObjectHistogram() {
    try {
      Object histogram = ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      List<String> lines = java.util.Arrays.asList(histogram.toString().split("\n"));
      return String.join("\n", lines.subList(0, Math.min(25, lines.size())));
    } catch (Exception e) {
      return "(no histogram: " + e + ")";
    }
  }

  /** Samples the heap after a GC every 3 s, and each façade's admission counters every 10 ms, on its own thread. */
  private static final class HeapSampler {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final AtomicLong peakRetained = new AtomicLong();
    final AtomicLong peakCallsInFlight = new AtomicLong();
    final AtomicLong peakBytesInFlight = new AtomicLong();
    final AtomicLong peakCallsWaiting = new AtomicLong();

    /** The largest classes of live objects, taken the first time a sample passed the bound. */
    volatile String histogram = "";

    HeapSampler(List<CallAdmission> admissions, long bound) {
      timer.scheduleWithFixedDelay(() -> {
        long retained = heapAfterGc();
        peakRetained.accumulateAndGet(retained, Math::max);
        if (retained > bound && histogram.isEmpty()) {
          histogram = liveObjectHistogram();
        }
      }, 3, 3, TimeUnit.SECONDS);
      timer.scheduleWithFixedDelay(() -> {
        for (CallAdmission admission : admissions) {
          peakCallsInFlight.accumulateAndGet(admission.callsInFlight(), Math::max);
          peakBytesInFlight.accumulateAndGet(admission.bytesInFlight(), Math::max);
          peakCallsWaiting.accumulateAndGet(admission.callsWaiting(), Math::max);
        }
      }, 0, 10, TimeUnit.MILLISECONDS);
    }

    void stop() throws InterruptedException {
      timer.shutdown();
      timer.awaitTermination(30, TimeUnit.SECONDS);
      peakRetained.accumulateAndGet(heapAfterGc(), Math::max);
    }
  }

  /** What one phase's calls were answered with. */
  private static final class Tally {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong done = new AtomicLong();
    final AtomicLong overloaded = new AtomicLong();
    final AtomicLong slowestDoneNanos = new AtomicLong();
    final Queue<Throwable> others = new ConcurrentLinkedQueue<>();
    final AtomicLong otherCount = new AtomicLong();
    double seconds;

    long answered() {
      return done.get() + overloaded.get() + otherCount.get();
    }

    /** Counts the answer of a call made at {@code startNanos}; true if it was Done. */
    boolean count(Throwable error, long startNanos) {
      if (error == null) {
        done.incrementAndGet();
        slowestDoneNanos.accumulateAndGet(System.nanoTime() - startNanos, Math::max);
        return true;
      }
      Throwable cause = StatusReplies.unwrap(error);
      if (cause instanceof StorageOverloadedException) {
        overloaded.incrementAndGet();
      } else {
        if (otherCount.incrementAndGet() <= 10) {
          others.add(cause);
        }
      }
      return false;
    }

    void awaitAllAnswered(long seconds) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (answered() < sent.get() && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
  }

  /**
   * The calls: chunk writes whose bytes name the chunk and the call's sequence number, durable
   * manifests whose base version is that number. Lane {@code l} calls the façade of node {@code l}
   * modulo the nodes, and writes only the ids whose index is {@code l} modulo {@link #lanes}. What
   * was acknowledged, per id the highest number, is checked after the reopen.
   */
  private final class Workload {
    private final List<WorkspaceStorage> storages;
    private final int lanes;
    private final int clients;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLongArray laneCalls;
    private final AtomicLongArray acknowledgedChunks = new AtomicLongArray(CHUNKS);
    private final AtomicLongArray acknowledgedKeys = new AtomicLongArray(KEYS);

    Workload(List<WorkspaceStorage> storages, int clients) {
      this.storages = storages;
      this.lanes = Math.max(MIN_LANES, storages.size());
      this.laneCalls = new AtomicLongArray(lanes);
      this.clients = clients;
    }

    /** Makes lane {@code lane}'s next call and counts its answer in {@code tally}; {@code after} runs once it is answered. */
    private void call(Tally tally, int lane, Runnable after) {
      long n = sequence.incrementAndGet();
      long turn = laneCalls.getAndIncrement(lane);
      long start = System.nanoTime();
      tally.sent.incrementAndGet();
      WorkspaceStorage storage = storages.get(lane % storages.size());
      if ((turn & 1) == 0) {
        int index = lane + lanes * (int) ((turn >> 1) % (CHUNKS / lanes));
        ChunkId id = chunkIds.get(index);
        storage.setChunk(id, content(id, n)).whenComplete((done, error) -> {
          if (tally.count(error, start)) {
            acknowledgedChunks.accumulateAndGet(index, n, Math::max);
          }
          after.run();
        });
      } else {
        int index = lane + lanes * (int) ((turn >> 1) % (KEYS / lanes));
        storage.setManifest(keys.get(index), manifest(index, n)).whenComplete((done, error) -> {
          if (tally.count(error, start)) {
            acknowledgedKeys.accumulateAndGet(index, n, Math::max);
          }
          after.run();
        });
      }
    }

    /**
     * {@link #clients} clients, each making its next call once its last was answered, for {@code
     * seconds}; from one thread, so every id's calls still come from one caller.
     */
    Tally closedLoop(int seconds) throws InterruptedException {
      Tally tally = new Tally();
      Semaphore clients = new Semaphore(this.clients);
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      for (int lane = 0; System.nanoTime() < end; lane = (lane + 1) % lanes) {
        if (clients.tryAcquire(10, TimeUnit.MILLISECONDS)) {
          call(tally, lane, clients::release);
        }
      }
      tally.seconds = (System.nanoTime() - start) / 1e9;
      assertThat(clients.tryAcquire(this.clients, 60, TimeUnit.SECONDS)).as("every closed-loop call answered").isTrue();
      return tally;
    }

    /** Calls at {@code rate} per second on schedule, never waiting for an answer, for {@code seconds}. */
    Tally openLoop(double rate, int seconds) throws Exception {
      Tally tally = new Tally();
      Runnable nothing = () -> { };
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      List<CompletableFuture<Void>> senders = new ArrayList<>();
      ExecutorService threads = Executors.newFixedThreadPool(lanes);
      for (int l = 0; l < lanes; l++) {
        int lane = l;
        senders.add(CompletableFuture.runAsync(() -> {
          long sent = 0;
          for (long now = start; now < end; now = System.nanoTime()) {
            long due = (long) ((now - start) / 1e9 * rate / lanes);
            for (; sent < due && System.nanoTime() < end; sent++) {
              call(tally, lane, nothing);
            }
            LockSupport.parkNanos(200_000);
          }
        }, threads));
      }
      try {
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(seconds + 60L, TimeUnit.SECONDS);
      } finally {
        threads.shutdownNow();
      }
      tally.seconds = (System.nanoTime() - start) / 1e9;
      return tally;
    }

    int keysWritten() {
      int written = 0;
      for (int index = 0; index < KEYS; index++) {
        written += acknowledgedKeys.get(index) > 0 ? 1 : 0;
      }
      return written;
    }

    /** Every chunk and key holds its last acknowledged version or a newer one; returns the chunks read. */
    int verifyEveryAcknowledgedWrite(WorkspaceStorage reopened) {
      int read = 0;
      for (int index = 0; index < CHUNKS; index++) {
        long acknowledged = acknowledgedChunks.get(index);
        if (acknowledged == 0) {
          continue;
        }
        ChunkId id = chunkIds.get(index);
        ByteBuffer bytes = ByteBuffer.wrap(result(reopened.getChunk(id)));
        long version = bytes.getLong(16);
        assertThat(version).as("chunk %d: its last acknowledged version, or a newer one", index)
            .isGreaterThanOrEqualTo(acknowledged);
        assertThat(bytes.array()).isEqualTo(content(id, version));
        read++;
      }
      for (int index = 0; index < KEYS; index++) {
        long acknowledged = acknowledgedKeys.get(index);
        if (acknowledged == 0) {
          continue;
        }
        LocalManifest stored = result(reopened.getManifest(keys.get(index)));
        assertThat(stored.baseVersion()).as("key %d: its last acknowledged version, or a newer one", index)
            .isGreaterThanOrEqualTo(acknowledged);
        assertThat(stored).isEqualTo(manifest(index, stored.baseVersion()));
      }
      return read;
    }

    private FolderManifest manifest(int index, long version) {
      return new FolderManifest(keys.get(index), PARENT, version, true, UPDATED, Map.of());
    }
  }

  /** The chunk's id, the version, zeros, the chunk's id. */
  private static byte[] content(ChunkId id, long version) {
    byte[] bytes = new byte[CHUNK_SIZE];
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    buffer.putLong(id.value().getMostSignificantBits()).putLong(id.value().getLeastSignificantBits()).putLong(version);
    buffer.position(CHUNK_SIZE - 16);
    buffer.putLong(id.value().getMostSignificantBits()).putLong(id.value().getLeastSignificantBits());
    return bytes;
  }
}
