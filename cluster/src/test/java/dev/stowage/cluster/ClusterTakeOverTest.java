package dev.stowage.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each incarnation of a manifest entity takes its row over with its first operation ({@link
 * DurableStateManifestBackend}), seen from the stored revisions: a read of an entry never written, a
 * new incarnation after the cache was dropped, and a tree transaction holding an entity whose only
 * operation so far was a cache-only write (it flushes that first, so that its commit replaces a
 * known revision, not whatever is stored).
 */
class ClusterTakeOverTest {
  private static final long ANSWER_WITHIN_SECONDS = 60;

  @TempDir Path base;

  @BeforeAll
  static void postgres() {
    TestPostgres.requireReachable();
  }

  @Test
  @DisplayName("Fencing: every incarnation's first operation moves its row's revision on; a transaction holding a fresh entity commits after its take-over")
  void everyIncarnationTakesItsRowOver() throws Exception {
    String workspace = "take-over-" + UUID.randomUUID();
    try (TestCluster cluster = new TestCluster(1, base, "")) {
      WorkspaceStorage storage = answer(Stowage.open(cluster.node(0), workspace, LocalKey.generate()));
      EntryId neverWritten = EntryId.random();
      assertThat(storage.getManifest(neverWritten).toCompletableFuture())
          .failsWithin(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS).withThrowableThat().havingCause()
          .isInstanceOf(EntryMissingException.class);
      assertThat(revision(workspace, neverWritten)).as("a read takes the row over: a tombstone at 1").isEqualTo(1);
      answer(storage.clearMemoryCache(false));
      assertThat(storage.getManifest(neverWritten).toCompletableFuture())
          .failsWithin(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS).withThrowableThat().havingCause()
          .isInstanceOf(EntryMissingException.class);
      assertThat(revision(workspace, neverWritten)).as("the next incarnation takes it over again").isEqualTo(2);

      EntryId parent = EntryId.random();
      EntryId child = EntryId.random();
      LocalManifest parentBefore = folder(parent, 1);
      LocalManifest childBefore = folder(child, 1);
      answer(storage.setManifest(parent, parentBefore, true, Set.of()));
      answer(storage.setManifest(child, childBefore, true, Set.of()));
      answer(storage.updateManifests(List.of(
          new ManifestChange(parent, Optional.of(parentBefore), folder(parent, 2), Set.of()),
          new ManifestChange(child, Optional.of(childBefore), folder(child, 2), Set.of()))));
      for (EntryId id : List.of(parent, child)) {
        assertThat(revision(workspace, id)).as("take-over (1), the cache-only write flushed (2), the transaction (3)")
            .isEqualTo(3);
      }
      answer(storage.clearMemoryCache(false));
      assertThat(answer(storage.getManifest(child)).baseVersion()).isEqualTo(2);
    }
  }

  private static LocalManifest folder(EntryId id, long version) {
    return new FolderManifest(id, EntryId.random(), version, false, Instant.EPOCH, Map.of());
  }

  private static long revision(String workspace, EntryId id) throws Exception {
    try (Connection db = TestPostgres.connect();
        PreparedStatement s = db.prepareStatement("SELECT revision FROM durable_state WHERE persistence_id = ?")) {
      s.setString(1, ManifestIds.persistenceId(workspace, id));
      try (ResultSet row = s.executeQuery()) {
        return row.next() ? row.getLong(1) : 0;
      }
    }
  }

  private static <T> T answer(CompletionStage<T> call) throws Exception {
    try {
      return call.toCompletableFuture().get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    }
  }
}
