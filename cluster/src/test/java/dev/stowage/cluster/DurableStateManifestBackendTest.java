package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.ManifestBackend;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageFailedException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.jdbc.state.javadsl.JdbcDurableStateStore;
import org.apache.pekko.persistence.state.DurableStateStoreRegistry;
import org.apache.pekko.persistence.state.javadsl.DurableStateUpdateStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The durable-state path of a manifest entity, on H2 (the cluster tests use PostgreSQL). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DurableStateManifestBackendTest {
  private static final String URL = "jdbc:h2:mem:stowage-backend;DB_CLOSE_DELAY=-1;DATABASE_TO_UPPER=false";

  private ActorTestKit testKit;
  private DurableStateUpdateStore<byte[]> store;
  private final List<List<ChunkId>> removedAfterCommit = new CopyOnWriteArrayList<>();

  @BeforeAll
  @SuppressWarnings("unchecked")
  void start() throws Exception {
    try (Connection connection = DriverManager.getConnection(URL);
        Statement statement = connection.createStatement();
        InputStream schema = JdbcDurableStateStore.class.getResourceAsStream("/schema/h2/h2-create-schema.sql")) {
      for (String sql : new String(schema.readAllBytes(), StandardCharsets.UTF_8).split(";")) {
        if (!sql.isBlank()) {
          statement.execute(sql);
        }
      }
    }
    testKit = ActorTestKit.create(ConfigFactory.parseString(
            "jdbc-durable-state-store.slick { profile = \"slick.jdbc.H2Profile$\"\n"
                + " db { url = \"" + URL + "\", user = \"\", password = \"\", driver = \"org.h2.Driver\" } }\n"
                + "pekko.loglevel = WARNING")
        .withFallback(ConfigFactory.load()).resolve());
    store = DurableStateStoreRegistry.get(testKit.system())
        .getDurableStateStoreFor(JdbcDurableStateStore.class, JdbcDurableStateStore.Identifier());
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private DurableStateManifestBackend incarnation() {
    return new DurableStateManifestBackend(store, "ws", (id, flush) -> {
      removedAfterCommit.add(flush.removedChunkIds());
      return CompletableFuture.completedFuture(null);
    });
  }

  private static ManifestBackend.Flush write(long version, byte[] sealed, List<ChunkId> removed) {
    return new ManifestBackend.Flush(version, sealed, 3, true, removed);
  }

  private ManifestBackend.Reply answer(TestProbe<StatusReply<ManifestBackend.Reply>> probe) {
    StatusReply<ManifestBackend.Reply> reply = probe.receiveMessage();
    assertThat(reply.isSuccess()).as("reply %s", reply).isTrue();
    return reply.getValue();
  }

  @Test
  void aFlushedManifestLoadsInTheNextIncarnationAndAClearedOneIsGone() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    ChunkId removed = ChunkId.random();
    DurableStateManifestBackend first = incarnation();

    first.load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).isEmpty();
    first.flush(id, write(1, new byte[] {1, 2, 3}, List.of()), probe.getRef());
    first.flush(id, write(2, new byte[] {4, 5}, List.of(removed)), probe.getRef()); // without waiting: kept in order
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(2));
    assertThat(removedAfterCommit).contains(List.of(removed));

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
  @DisplayName("Split brain: of two incarnations writing one entity, the stale one fails instead of overwriting")
  void twoIncarnationsWritingOneEntityDoNotOverwriteEachOther() {
    TestProbe<StatusReply<ManifestBackend.Reply>> probe = testKit.createTestProbe();
    EntryId id = EntryId.random();
    DurableStateManifestBackend stale = incarnation();
    DurableStateManifestBackend current = incarnation();
    stale.load(id, probe.getRef());
    answer(probe);

    current.flush(id, write(1, new byte[] {7}, List.of()), probe.getRef());
    assertThat(answer(probe)).isEqualTo(new ManifestBackend.Flushed(1));
    stale.flush(id, write(1, new byte[] {8}, List.of()), probe.getRef());

    StatusReply<ManifestBackend.Reply> refused = probe.receiveMessage();
    assertThat(refused.isError()).isTrue();
    assertThat(refused.getError()).isInstanceOf(StorageFailedException.class);
    incarnation().load(id, probe.getRef());
    assertThat(((ManifestBackend.Loaded) answer(probe)).sealed()).hasValueSatisfying(
        sealed -> assertThat(sealed).containsExactly(7));
  }
}
