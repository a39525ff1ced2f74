package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariDataSource;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.jdbc.state.javadsl.JdbcDurableStateStore;
import org.apache.pekko.persistence.query.DurableStateChange;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.UpdatedDurableState;
import org.apache.pekko.persistence.state.DurableStateStoreRegistry;
import org.apache.pekko.persistence.state.javadsl.GetObjectResult;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The durable-state path of a manifest entity on PostgreSQL: the backend, the node's group commit
 * ({@link DurableStateWriter}, {@link DurableStateRows}), and what pekko-persistence-jdbc reads
 * back of the rows it wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DurableStateManifestBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ActorTestKit testKit;
  private JdbcDurableStateStore<byte[]> store;
  private ClusterDatabase database;
  private HikariDataSource manifests;
  private ActorRef<DurableStateWriter.Command> writer;
  /** A workspace id of this run, so that the rows of earlier runs are not in the way. */
  private final String workspaceId = "backend-" + EntryId.random();

  @BeforeAll
  @SuppressWarnings("unchecked")
  void start() {
    TestPostgres.requireReachable();
    Config config = ConfigFactory.parseString(TestPostgres.config() + "pekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()).resolve();
    testKit = ActorTestKit.create(config);
    ClusterSettings settings = ClusterSettings.fromConfig(config);
    database = new ClusterDatabase(settings, Runnable::run);
    database.applySchema();
    manifests = ClusterDatabase.pool(settings, "test-manifests", 1);
    writer = testKit.spawn(DurableStateWriter.create(manifests,
            new DurableStateRows(SerializationExtension.get(testKit.system())), settings.manifestMaxBatch()),
        "writer", DispatcherSelector.fromConfig(ClusterSettings.MANIFEST_WRITER_DISPATCHER));
    store = DurableStateStoreRegistry.get(testKit.system())
        .getDurableStateStoreFor(JdbcDurableStateStore.class, JdbcDurableStateStore.Identifier());
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
    manifests.close();
    database.close();
  }

  private DurableStateManifestBackend incarnation() {
    return new DurableStateManifestBackend(store, writer, workspaceId, database);
  }

  private static ManifestBackend.Flush write(long version, byte[] sealed, List<ChunkId> removed) {
    return new ManifestBackend.Flush(version, sealed, 3, true, removed);
  }

  private ManifestBackend.Reply answer(TestProbe<StatusReply<ManifestBackend.Reply>> probe) {
    StatusReply<ManifestBackend.Reply> reply = probe.receiveMessage(WAIT);
    assertThat(reply.isSuccess()).as("reply %s", reply).isTrue();
    return reply.getValue();
  }

  private Set<ChunkId> storedChunks(List<ChunkId> ids) {
    return database.runNow("reading chunks", c -> new ClusterTables(workspaceId).presentChunks(c, ids));
  }

  @Test
  @DisplayName("INV-2: a flush deletes the chunks it no longer references in the transaction of its row; the next incarnation loads the flush, and a cleared entry loads as absent")
  void aFlushedManifestLoadsInTheNextIncarnationAndAClearedOneIsGone() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    ChunkId removed = ChunkId.random();
    ChunkId kept = ChunkId.random();
    database.runNow("writing chunks", c -> {
      ClusterTables tables = new ClusterTables(workspaceId);
      tables.putChunk(c, removed, 1, new byte[] {1});
      tables.putChunk(c, kept, 1, new byte[] {2});
      return null;
    });
    DurableStateManifestBackend first = incarnation();

    first.load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).isEmpty();
    first.flush(id, write(1, new byte[] {1, 2, 3}, List.of()), probe.getRef());
    first.flush(id, write(2, new byte[] {4, 5}, List.of(removed)), probe.getRef()); // without waiting: kept in order
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(2));
    assertThat(storedChunks(List.of(removed, kept))).containsExactly(kept);

    DurableStateManifestBackend second = incarnation();
    second.load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).hasValueSatisfying(
        sealed -> assertThat(sealed).containsExactly(4, 5));
    second.flush(id, new ManifestBackend.Flush(1, null, 0, false, List.of()), probe.getRef());
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));

    incarnation().load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).as("a tombstone loads as absent").isEmpty();
  }

  @Test
  @DisplayName("Split brain: of two incarnations writing one entity, the stale one fails and keeps its chunks; the stored row is the first one's")
  void twoIncarnationsWritingOneEntityDoNotOverwriteEachOther() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    ChunkId referencedByTheWinner = ChunkId.random();
    database.runNow("writing a chunk",
        c -> { new ClusterTables(workspaceId).putChunk(c, referencedByTheWinner, 1, new byte[] {1}); return null; });
    DurableStateManifestBackend stale = incarnation();
    DurableStateManifestBackend current = incarnation();
    stale.load(id, probe.getRef());
    answer(probe);

    current.flush(id, write(1, new byte[] {7}, List.of()), probe.getRef());
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    stale.flush(id, write(1, new byte[] {8}, List.of(referencedByTheWinner)), probe.getRef());

    StatusReply<ManifestBackend.Reply> refused = probe.receiveMessage(WAIT);
    assertThat(refused.isError()).isTrue();
    assertThat(refused.getError()).isInstanceOf(StorageFailedException.class).hasMessageContaining("stale");
    assertThat(storedChunks(List.of(referencedByTheWinner))).as("a refused flush deletes nothing")
        .containsExactly(referencedByTheWinner);
    incarnation().load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).hasValueSatisfying(
        sealed -> assertThat(sealed).containsExactly(7));
  }

  @Test
  @DisplayName("A first write takes the row over before it writes: an incarnation that knew the older revision is then refused")
  void aFirstWriteTakesTheRowOver() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    DurableStateManifestBackend backend = incarnation();
    backend.flush(id, write(1, new byte[] {1}, List.of()), probe.getRef());
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    assertThat(storedRevision(id)).as("a tombstone at 1 taken over, then the write").isEqualTo(2);

    incarnation().flush(id, write(1, new byte[] {2}, List.of()), probe.getRef()); // takes over 3, writes 4
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    backend.flush(id, write(2, new byte[] {3}, List.of()), probe.getRef()); // knows revision 2: writes 3
    assertThat(probe.receiveMessage(WAIT).isError()).as("revision 3 is taken: refused").isTrue();
    incarnation().load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).hasValueSatisfying(
        sealed -> assertThat(sealed).containsExactly(2));
  }

  @Test
  @DisplayName("Fencing: a write an older incarnation sends after a new one took the row over (a hand-off that force-stopped it, PostgreSQL running it late) is refused, on a stored row and on none; what the new one read stays")
  void aNewIncarnationFencesTheOlderOnesWrites() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    for (boolean storedBefore : new boolean[] {true, false}) {
      EntryId id = EntryId.random();
      if (storedBefore) {
        incarnation().flush(id, write(1, new byte[] {1}, List.of()), probe.getRef());
        answer(probe);
      }
      DurableStateManifestBackend old = incarnation();
      old.load(id, probe.getRef());
      answer(probe);
      DurableStateManifestBackend successor = incarnation();
      successor.load(id, probe.getRef());
      ManifestBackend.Loaded read = (ManifestBackend.Loaded) answer(probe);

      old.flush(id, write(2, new byte[] {9}, List.of()), probe.getRef());
      StatusReply<ManifestBackend.Reply> refused = probe.receiveMessage(WAIT);
      assertThat(refused.isError()).as("stored before: %s", storedBefore).isTrue();
      assertThat(refused.getError()).hasMessageContaining("stale");
      assertThat(storedPayload(id).map(Arrays::toString))
          .as("the row is what the successor read").isEqualTo(read.sealed().map(Arrays::toString));

      successor.flush(id, write(1, new byte[] {5}, List.of()), probe.getRef());
      assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    }
  }

  @Test
  @DisplayName("A stopped incarnation sends nothing more, and the writer skips an operation failed before its batch ran")
  void aStoppedIncarnationWritesNothing() throws Exception {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    DurableStateManifestBackend stopped = incarnation();
    stopped.load(id, probe.getRef());
    answer(probe);
    stopped.close();
    stopped.flush(id, write(1, new byte[] {1}, List.of()), probe.getRef());
    assertThat(probe.receiveMessage(WAIT).getError()).isInstanceOf(StorageFailedException.class)
        .hasMessageContaining("stopped");
    assertThat(storedRevision(id)).as("only the take-over's tombstone").isEqualTo(1);

    String never = ManifestIds.persistenceId(workspaceId, EntryId.random());
    CompletableFuture<Long> failedFirst = new CompletableFuture<>();
    failedFirst.completeExceptionally(new StorageFailedException("stopped"));
    writer.tell(new DurableStateWriter.Upsert(
        new DurableStateRows.Write(workspaceId, never, 1, new byte[] {1}, "clean:0", List.of(), false), failedFirst));
    upsert(ManifestIds.persistenceId(workspaceId, EntryId.random()), 1, new byte[] {2}, "clean:0")
        .get(WAIT.toSeconds(), TimeUnit.SECONDS); // the writer got past the skipped one
    assertThat(store.getObject(never).toCompletableFuture().get(20, TimeUnit.SECONDS).revision()).isZero();
  }

  /** A tree transaction's commit of {@code sealed} over the revision {@code held}, on the real commit path. */
  private StatusReply<Done> commitTransaction(EntryId id, long held, byte[] sealed) {
    TestProbe<StatusReply<Done>> committed = testKit.createTestProbe();
    new ClusterTransactions(workspaceId, hold -> { }, database,
        new DurableStateRows(SerializationExtension.get(testKit.system())), WAIT)
        .commit(List.of(new HoldReply.Held(id, null, sealed, 3, true, List.of(), held, 1)), committed.getRef());
    return committed.receiveMessage(WAIT);
  }

  @Test
  @DisplayName("Fencing a coordinator: an entity that settles (death watch said its holder stopped, perhaps of one still running on a rejoined node) takes its row over, so a commit that comes later is refused; one that came before is what it settles on, and the entity writes on after either")
  void aSettleFencesTheHoldersLaterCommit() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    for (boolean commitFirst : new boolean[] {false, true}) {
      EntryId id = EntryId.random();
      DurableStateManifestBackend entity = incarnation();
      entity.flush(id, write(1, new byte[] {1}, List.of()), probe.getRef());
      answer(probe);
      long held = entity.heldRevision(); // a transaction holds the entity

      if (commitFirst) {
        assertThat(commitTransaction(id, held, new byte[] {7}).isSuccess()).isTrue();
      }
      entity.settle(id, probe.getRef());
      ManifestBackend.Settled settled = (ManifestBackend.Settled) answer(probe);
      StatusReply<Done> late = commitFirst ? null : commitTransaction(id, held, new byte[] {7});

      assertThat(settled.sealed().map(Arrays::toString)).as("commit first: %s", commitFirst)
          .contains(Arrays.toString(commitFirst ? new byte[] {7} : new byte[] {1}));
      if (!commitFirst) {
        assertThat(late.isError()).as("the holder's commit after the settle").isTrue();
        assertThat(StatusReplies.unwrap(late.getError())).isInstanceOf(StorageFailedException.class)
            .hasMessageContaining("not committed");
        assertThat(storedPayload(id).map(Arrays::toString)).as("what the settle read stays")
            .contains(Arrays.toString(new byte[] {1}));
      } else {
        entity.committedByTransaction(); // the entity applies the value it settled on
      }
      entity.flush(id, write(2, new byte[] {5}, List.of()), probe.getRef());
      assertThat(answer(probe)).as("commit first: %s", commitFirst).isEqualTo(new ManifestBackend.Flushed(2));
    }
  }

  /** The stored payload, read without taking the row over (a tombstone is empty). */
  private Optional<byte[]> storedPayload(EntryId id) {
    return storedRow(id).value().filter(bytes -> bytes.length > 0);
  }

  private long storedRevision(EntryId id) {
    return storedRow(id).revision();
  }

  private GetObjectResult<byte[]> storedRow(EntryId id) {
    try {
      return store.getObject(ManifestIds.persistenceId(workspaceId, id)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  @DisplayName("The plugin reads back what the group commit wrote (a known and a blind revision): getObject gives revision and payload, changes by tag give revision, payload and the commit's order")
  void pekkoPersistenceJdbcReadsTheRowsBack() throws Exception {
    String tag = "test-tag-" + EntryId.random();
    List<String> ids = new ArrayList<>();
    List<CompletableFuture<Long>> commits = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String persistenceId = ManifestIds.persistenceId(workspaceId, EntryId.random());
      ids.add(persistenceId);
      commits.add(upsert(persistenceId, 1, new byte[] {(byte) i}, tag));
    }
    CompletableFuture.allOf(commits.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(upsert(ids.get(0), DurableStateRows.Write.NEXT_REVISION, new byte[] {99, 98}, tag)
        .get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("a blind write stores the revision after the stored one").isEqualTo(2);

    GetObjectResult<byte[]> first = store.getObject(ids.get(0)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(first.revision()).isEqualTo(2);
    assertThat(first.value()).hasValueSatisfying(value -> assertThat(value).containsExactly(99, 98));
    GetObjectResult<byte[]> other = store.getObject(ids.get(5)).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(other.revision()).isEqualTo(1);
    assertThat(other.value()).hasValueSatisfying(value -> assertThat(value).containsExactly(5));

    List<DurableStateChange<byte[]>> changes = store.currentChanges(tag, NoOffset.getInstance())
        .runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(changes).hasSize(20);
    UpdatedDurableState<byte[]> last = (UpdatedDurableState<byte[]>) changes.get(changes.size() - 1);
    assertThat(last.persistenceId()).as("the rewritten row has the newest offset").isEqualTo(ids.get(0));
    assertThat(last.revision()).isEqualTo(2);
    assertThat(last.value()).containsExactly(99, 98);
    assertThat(changes).extracting(change -> ((UpdatedDurableState<byte[]>) change).persistenceId())
        .containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  @DisplayName("INV-6: in one burst of writes, one that PostgreSQL rejects and one with a stale revision fail alone; the others commit")
  void aBadWriteFailsAlone() throws Exception {
    String tooLong = ManifestIds.persistenceId(workspaceId, EntryId.random()) + "x".repeat(300); // varchar(255)
    String taken = ManifestIds.persistenceId(workspaceId, EntryId.random());
    upsert(taken, 1, new byte[] {1}, "clean:0").get(WAIT.toSeconds(), TimeUnit.SECONDS);

    List<String> good = new ArrayList<>();
    List<CompletableFuture<Long>> goodCommits = new ArrayList<>();
    CompletableFuture<Long> rejected = null;
    CompletableFuture<Long> stale = null;
    for (int i = 0; i < 30; i++) {
      if (i == 10) {
        rejected = upsert(tooLong, 1, new byte[] {1}, "clean:0");
      } else if (i == 20) {
        stale = upsert(taken, 1, new byte[] {2}, "clean:0");
      } else {
        String persistenceId = ManifestIds.persistenceId(workspaceId, EntryId.random());
        good.add(persistenceId);
        goodCommits.add(upsert(persistenceId, 1, new byte[] {3}, "clean:0"));
      }
    }
    CompletableFuture.allOf(goodCommits.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(rejected).failsWithin(WAIT).withThrowableThat().havingRootCause().isInstanceOf(SQLException.class);
    assertThat(stale).failsWithin(WAIT).withThrowableThat().withMessageContaining("stale");
    for (String persistenceId : good) {
      assertThat(store.getObject(persistenceId).toCompletableFuture().get(20, TimeUnit.SECONDS).revision()).isEqualTo(1);
    }
    assertThat(store.getObject(taken).toCompletableFuture().get(20, TimeUnit.SECONDS).value())
        .hasValueSatisfying(value -> assertThat(value).containsExactly(1));
  }

  @Test
  @DisplayName("INV-6: with PostgreSQL unreachable, every write fails with StorageFailedException (none hangs, none is acknowledged)")
  void writesFailWhenTheDatabaseIsUnreachable() {
    Config unreachable = ConfigFactory.parseString(
            "jdbc-durable-state-store.slick.db.url = \"jdbc:postgresql://127.0.0.1:1/none\"\n"
                + "stowage.cluster.connection-timeout = 1s")
        .withFallback(testKit.system().settings().config());
    try (HikariDataSource nowhere = ClusterDatabase.pool(ClusterSettings.fromConfig(unreachable), "nowhere", 1)) {
      ActorRef<DurableStateWriter.Command> lost = testKit.spawn(DurableStateWriter.create(nowhere,
          new DurableStateRows(SerializationExtension.get(testKit.system())), 8));
      List<CompletableFuture<Long>> commits = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        CompletableFuture<Long> committed = new CompletableFuture<>();
        lost.tell(new DurableStateWriter.Upsert(new DurableStateRows.Write(workspaceId,
            ManifestIds.persistenceId(workspaceId, EntryId.random()), 1, new byte[] {1}, "clean:0", List.of(), false),
            committed));
        commits.add(committed);
      }
      for (CompletableFuture<Long> committed : commits) {
        assertThat(committed).failsWithin(WAIT).withThrowableThat().havingCause()
            .isInstanceOf(StorageFailedException.class);
      }
      testKit.stop(lost);
    }
  }

  @Test
  @DisplayName("The schema keeps a sealed payload in its row, uncompressed (it never compresses), and applying it again changes nothing")
  void payloadsAreStoredInTheRowUncompressed() throws Exception {
    database.applySchema(); // a second time: idempotent
    String persistenceId = ManifestIds.persistenceId(workspaceId, EntryId.random());
    byte[] sealed = new byte[3_000];
    new java.util.Random(7).nextBytes(sealed);
    upsert(persistenceId, 1, sealed, "clean:0").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    database.runNow("reading the storage", c -> {
      try (var s = c.createStatement();
          var rows = s.executeQuery("SELECT a.attstorage, c.reloptions::text FROM pg_attribute a JOIN pg_class c"
              + " ON c.oid = a.attrelid WHERE a.attrelid = 'durable_state'::regclass AND a.attname = 'state_payload'")) {
        rows.next();
        assertThat(rows.getString(1)).as("storage EXTERNAL: never compressed").isEqualTo("e");
        assertThat(rows.getString(2)).contains("toast_tuple_target=8160");
      }
      try (var s = c.prepareStatement("SELECT pg_column_size(state_payload), pg_column_compression(state_payload)"
          + " FROM durable_state WHERE persistence_id = ?")) {
        s.setString(1, persistenceId);
        try (var rows = s.executeQuery()) {
          rows.next();
          assertThat(rows.getInt(1)).as("stored whole, uncompressed: its size plus a short header").isBetween(3_000, 3_010);
          assertThat(rows.getString(2)).as("not compressed").isNull();
        }
      }
      return null;
    });
    assertThat(store.getObject(persistenceId).toCompletableFuture().get(20, TimeUnit.SECONDS).value())
        .hasValueSatisfying(value -> assertThat(value).isEqualTo(sealed));
  }

  private CompletableFuture<Long> upsert(String persistenceId, long revision, byte[] payload, String tag) {
    CompletableFuture<Long> committed = new CompletableFuture<>();
    writer.tell(new DurableStateWriter.Upsert(
        new DurableStateRows.Write(workspaceId, persistenceId, revision, payload, tag, List.of(), false), committed));
    return committed;
  }
}
