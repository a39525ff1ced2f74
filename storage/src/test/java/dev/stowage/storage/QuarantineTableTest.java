package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineTableTest {
  private static final Instant AT = Instant.parse("2025-03-04T05:06:07.089Z");
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());

  @TempDir Path dir;
  private DataStore data;

  @BeforeEach
  void open() {
    data = DataStore.open(dir, Durability.NORMAL, cipher);
  }

  @AfterEach
  void close() {
    data.close();
  }

  private void inTransaction(Runnable work) {
    data.database().begin();
    work.run();
    data.database().commit();
  }

  @Test
  void aQuarantinedManifestKeepsItsBytesColumnsReasonAndTime() {
    EntryId id = EntryId.random();
    byte[] sealed = {1, 2, 3, 4, 5};
    inTransaction(() -> {
      data.vlobs().put(id, 3, true, sealed);
      data.vlobs().raiseRemoteVersions(Map.of(id, 5L));
    });

    inTransaction(() -> assertThat(data.quarantineManifest(id, "does not decrypt", true, AT)).isTrue());

    assertThat(data.vlobs().get(id)).isEmpty();
    QuarantineTable.Row row = data.quarantine().all().get(0);
    assertThat(row.kind()).isEqualTo(QuarantineTable.Kind.MANIFEST);
    assertThat(EntryId.fromBytes(row.rowId())).isEqualTo(id);
    assertThat(row.data()).containsExactly(sealed);
    assertThat(row.reason()).isEqualTo("does not decrypt");
    assertThat(row.quarantinedAt()).isEqualTo(AT);
    assertThat(row.baseVersion()).isEqualTo(3);
    assertThat(row.remoteVersion()).isEqualTo(5);
    assertThat(row.needSync()).isTrue();
    assertThat(row.size()).isNull();
    assertThat(row.fetchAgain()).isTrue();
  }

  @Test
  void aQuarantinedChunkKeepsItsBytesAndSize() {
    ChunkId id = ChunkId.random();
    inTransaction(() -> data.chunks().put(id, 2, new byte[] {7, 7, 7}, 0));

    inTransaction(() -> assertThat(data.quarantineChunk(id, "does not decrypt", AT)).isTrue());

    assertThat(data.chunks().get(id)).isEmpty();
    QuarantineTable.Row row = data.quarantine().all().get(0);
    assertThat(row.kind()).isEqualTo(QuarantineTable.Kind.CHUNK);
    assertThat(ChunkId.fromBytes(row.rowId())).isEqualTo(id);
    assertThat(row.data()).containsExactly(7, 7, 7);
    assertThat(row.size()).isEqualTo(2);
    assertThat(row.baseVersion()).isNull();
    assertThat(row.fetchAgain()).isFalse();
  }

  @Test
  void movingARowThatIsNotThereMovesNothing() {
    inTransaction(() -> {
      assertThat(data.quarantineManifest(EntryId.random(), "gone", true, AT)).isFalse();
      assertThat(data.quarantineChunk(ChunkId.random(), "gone", AT)).isFalse();
    });

    assertThat(data.quarantine().count()).isZero();
  }

  @Test
  @DisplayName("a quarantined manifest is remote need-sync while none is stored under its id, then no more")
  void aManifestToFetchAgainIsRemoteNeedSyncUntilOneIsStored() {
    EntryId synced = EntryId.random();
    EntryId neverUploaded = EntryId.random();
    inTransaction(() -> {
      data.vlobs().put(synced, 4, false, new byte[] {1});
      data.vlobs().put(neverUploaded, 0, true, new byte[] {2});
    });
    assertThat(data.remoteNeedSync()).isEmpty();

    inTransaction(() -> {
      data.quarantineManifest(synced, "does not decrypt", true, AT);
      data.quarantineManifest(neverUploaded, "does not decrypt", true, AT);
    });

    assertThat(data.remoteNeedSync()).as("base version 0 is on no server: nothing to fetch").containsExactly(synced);
    assertThat(data.vlobs().localNeedSync()).isEmpty();

    inTransaction(() -> data.putManifest(synced, 4, false, new byte[] {9}, List.of())); // the download
    assertThat(data.remoteNeedSync()).isEmpty();

    inTransaction(() -> data.deleteManifest(synced, List.of()));
    assertThat(data.remoteNeedSync()).as("a cleared entry is not fetched back").isEmpty();
  }

  @Test
  @DisplayName("INV-19: a data file of schema version 1 is migrated to the quarantine's version, its rows kept")
  void aVersionOneFileIsMigratedForward() throws Exception {
    EntryId id = EntryId.random();
    inTransaction(() -> data.vlobs().put(id, 1, false, new byte[] {4, 2}));
    data.close();
    Path file = dir.resolve(DatabaseKind.DATA.fileName());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("DROP TABLE quarantine"); // what a file written before schema version 2 looks like
      s.execute("PRAGMA user_version = 1");
    }

    data = DataStore.open(dir, Durability.NORMAL, cipher);

    assertThat(data.database().schemaVersion()).isEqualTo(2).isEqualTo(Schema.latest(DatabaseKind.DATA));
    assertThat(data.vlobs().get(id)).contains(new byte[] {4, 2});
    assertThat(data.quarantine().count()).isZero();
    assertThat(data.remoteNeedSync()).isEmpty();
  }
}
