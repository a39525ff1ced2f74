package dev.stowage.cluster;

import static dev.stowage.actors.Await.failure;
import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.LocalKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode's counterpart of local mode's disk-full test: the node loses PostgreSQL (a {@link
 * CuttableLink} between them is cut) while callers write chunks and manifests.
 */
class PostgresOutageTest {
  private static final int WRITERS = 4;
  /** How long a call may take to be answered once PostgreSQL is gone: a connection timeout, and some. */
  private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(15);

  @TempDir Path base;

  /** One call a writer made: when it began, and how it ended. */
  private record Call(String what, long startedNanos, Throwable error) {}

  @Test
  @DisplayName("INV-6: PostgreSQL cut in the middle of a load: every call gets an answer (none hangs), every one made after the first failure fails with StorageFailedException, close reports it; once it is back, a reopen reads every acknowledged write")
  void postgresLostMidLoad() throws Exception {
    TestPostgres.requireReachable();
    InetSocketAddress database = TestPostgres.address();
    try (CuttableLink link = new CuttableLink(database.getHostString(), database.getPort());
        TestCluster cluster = new TestCluster(1, base, TestPostgres.configVia(link.port())
            + "stowage.cluster.connection-timeout = 1s\n"
            + "jdbc-durable-state-store.slick.db.connectionTimeout = 1000\n")) {
      ActorSystem<Void> node = cluster.node(0);
      String workspace = "outage-" + UUID.randomUUID();
      LocalKey key = LocalKey.generate();
      WorkspaceStorage storage = result(Stowage.open(node, workspace, key));

      Map<ChunkId, byte[]> ackedChunks = new ConcurrentHashMap<>();
      Map<EntryId, LocalManifest> ackedManifests = new ConcurrentHashMap<>();
      List<Call> calls = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger acknowledged = new AtomicInteger();
      AtomicLong firstFailureNanos = new AtomicLong(Long.MAX_VALUE);
      ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        running.add(writers.submit(() -> {
          // Writes until a call has failed, then makes one more call of each kind.
          int failedSeen = 0;
          for (int i = 0; failedSeen < 2; i++) {
            ChunkId chunk = ChunkId.random();
            byte[] bytes = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
            EntryId id = EntryId.random();
            LocalManifest manifest = new FolderManifest(id, EntryId.random(), i, false,
                Instant.parse("2026-01-01T00:00:00Z"), Map.of());
            if (call("setChunk", storage.setChunk(chunk, bytes), calls, firstFailureNanos)) {
              ackedChunks.put(chunk, bytes);
              acknowledged.incrementAndGet();
            } else {
              failedSeen++;
            }
            if (call("setManifest", storage.setManifest(id, manifest), calls, firstFailureNanos)) {
              ackedManifests.put(id, manifest);
              acknowledged.incrementAndGet();
            } else {
              failedSeen++;
            }
          }
          call("getManifest", storage.getManifest(EntryId.random()), calls, firstFailureNanos);
          call("getChunk", storage.getChunk(ChunkId.random()), calls, firstFailureNanos);
          call("getNeedSyncEntries", storage.getNeedSyncEntries(), calls, firstFailureNanos);
          call("clearMemoryCache", storage.clearMemoryCache(true), calls, firstFailureNanos);
          return null;
        }));
      }
      TestCluster.await("200 acknowledged writes before the cut", Duration.ofSeconds(60),
          () -> acknowledged.get() >= 200);
      link.cut();
      for (Future<?> writer : running) {
        writer.get(2 * ANSWERED_WITHIN.toSeconds() + 30, TimeUnit.SECONDS); // every call was answered
      }
      writers.shutdown();

      List<Call> all = List.copyOf(calls);
      assertThat(all).as("calls answered with something but success or StorageFailedException")
          .allSatisfy(call -> assertThat(call.error()).satisfiesAnyOf(
              error -> assertThat(error).isNull(),
              error -> assertThat(error).isInstanceOf(StorageFailedException.class)));
      long first = firstFailureNanos.get();
      assertThat(first).as("a call failed").isLessThan(Long.MAX_VALUE);
      assertThat(all.stream().filter(call -> call.startedNanos() > first).toList())
          .as("calls made after the first failure was answered")
          .isNotEmpty()
          .allSatisfy(call -> assertThat(call.error()).as(call.what()).isInstanceOf(StorageFailedException.class));
      assertThat(failure(storage.close())).as("close of the failed workspace").isInstanceOf(StorageFailedException.class);

      link.restore();
      WorkspaceStorage reopened = reopen(node, workspace, key);
      for (Map.Entry<ChunkId, byte[]> chunk : ackedChunks.entrySet()) {
        assertThat(result(reopened.getChunk(chunk.getKey()))).as("acknowledged chunk").isEqualTo(chunk.getValue());
      }
      for (Map.Entry<EntryId, LocalManifest> manifest : ackedManifests.entrySet()) {
        assertThat(result(reopened.getManifest(manifest.getKey()))).as("acknowledged manifest")
            .isEqualTo(manifest.getValue());
      }
      assertThat(ackedChunks.size() + ackedManifests.size()).isGreaterThanOrEqualTo(200);
      result(reopened.close());
    }
  }

  /** Makes one call and waits for its answer; returns whether it succeeded. */
  private static boolean call(String what, CompletionStage<?> stage, List<Call> calls, AtomicLong firstFailure) {
    long started = System.nanoTime();
    Throwable error = null;
    try {
      stage.toCompletableFuture().get(ANSWERED_WITHIN.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      error = e.getCause();
      long now = System.nanoTime();
      firstFailure.accumulateAndGet(now, Math::min);
    } catch (TimeoutException e) {
      error = new AssertionError(what + " had no answer within " + ANSWERED_WITHIN.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = e;
    }
    calls.add(new Call(what, started, error));
    return error == null;
  }

  /** Opens the workspace again once the node reaches PostgreSQL again (its pools reconnect). */
  private static WorkspaceStorage reopen(ActorSystem<Void> node, String workspace, LocalKey key) {
    AtomicReference<WorkspaceStorage> reopened = new AtomicReference<>();
    TestProbe.create(node).awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
      reopened.set(Stowage.open(node, workspace, key).toCompletableFuture().get(20, TimeUnit.SECONDS));
      return null;
    });
    return reopened.get();
  }
}
