package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VlobTableTest {
  @TempDir Path dir;
  private LocalDatabase db;
  private VlobTable vlobs;
  private RealmCheckpointTable checkpoint;

  @BeforeEach
  void open() {
    db = TestDatabases.openData(dir);
    vlobs = new VlobTable(db);
    checkpoint = new RealmCheckpointTable(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private void inTransaction(Runnable work) {
    db.begin();
    work.run();
    db.commit();
  }

  @Test
  void putGetAndDeleteABlob() {
    EntryId id = EntryId.random();
    inTransaction(() -> vlobs.put(id, 3, true, new byte[] {1, 2}));

    assertThat(vlobs.get(id)).contains(new byte[] {1, 2});
    assertThat(vlobs.versions(id)).contains(new VlobTable.Versions(3, 3, true));
    assertThat(vlobs.count()).isEqualTo(1);
    db.begin();
    assertThat(vlobs.delete(id)).isTrue();
    assertThat(vlobs.delete(id)).isFalse();
    db.commit();
    assertThat(vlobs.get(id)).isEmpty();
  }

  @Test
  @DisplayName("INV-15: storing a manifest never lowers remote_version")
  void putNeverLowersRemoteVersion() {
    EntryId id = EntryId.random();
    inTransaction(() -> vlobs.put(id, 5, false, new byte[1]));
    inTransaction(() -> vlobs.put(id, 2, false, new byte[1]));

    assertThat(vlobs.versions(id)).contains(new VlobTable.Versions(2, 5, false));
    assertThat(vlobs.remoteNeedSync()).containsExactly(id);

    inTransaction(() -> vlobs.put(id, 7, false, new byte[1]));
    assertThat(vlobs.versions(id)).contains(new VlobTable.Versions(7, 7, false));
    assertThat(vlobs.remoteNeedSync()).isEmpty();
  }

  @Test
  @DisplayName("INV-15: raising remote versions touches existing rows only and never lowers them")
  void raiseRemoteVersionsTouchesExistingRowsOnly() {
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    EntryId absent = EntryId.random();
    inTransaction(() -> {
      vlobs.put(a, 1, false, new byte[1]);
      vlobs.put(b, 9, false, new byte[1]);
    });

    db.begin();
    Set<EntryId> raised = vlobs.raiseRemoteVersions(Map.of(a, 4L, b, 3L, absent, 8L));
    db.commit();

    assertThat(raised).as("b's remote version stays 9, above 3").containsExactly(a);
    assertThat(vlobs.versions(a)).contains(new VlobTable.Versions(1, 4, false));
    assertThat(vlobs.versions(b)).contains(new VlobTable.Versions(9, 9, false));
    assertThat(vlobs.versions(absent)).isEmpty();
    assertThat(vlobs.remoteNeedSync()).containsExactly(a);
  }

  @Test
  @DisplayName("INV-15: the checkpoint and the raised versions commit or roll back together")
  void checkpointAndVersionsShareATransaction() {
    EntryId a = EntryId.random();
    inTransaction(() -> vlobs.put(a, 1, false, new byte[1]));

    db.begin();
    vlobs.raiseRemoteVersions(Map.of(a, 6L));
    checkpoint.set(42);
    db.rollback();
    assertThat(checkpoint.get()).isZero();
    assertThat(vlobs.versions(a)).contains(new VlobTable.Versions(1, 1, false));

    inTransaction(() -> {
      vlobs.raiseRemoteVersions(Map.of(a, 6L));
      checkpoint.set(42);
    });
    assertThat(checkpoint.get()).isEqualTo(42);
    assertThat(vlobs.versions(a)).contains(new VlobTable.Versions(1, 6, false));
  }

  @Test
  void localNeedSyncListsRowsWithTheFlag() {
    EntryId dirty = EntryId.random();
    EntryId clean = EntryId.random();
    inTransaction(() -> {
      vlobs.put(dirty, 0, true, new byte[1]);
      vlobs.put(clean, 0, false, new byte[1]);
    });

    assertThat(vlobs.localNeedSync()).containsExactly(dirty);
  }

  @Test
  @DisplayName("INV-19: negative versions and checkpoints are refused before anything is written")
  void negativeVersionsAreRefused() {
    EntryId id = EntryId.random();
    Map<EntryId, Long> withNull = new HashMap<>();
    withNull.put(id, null);
    db.begin();

    assertThatThrownBy(() -> vlobs.put(id, -1, false, new byte[1])).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> vlobs.raiseRemoteVersions(Map.of(id, -2L))).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> vlobs.raiseRemoteVersions(withNull)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> checkpoint.set(-1)).isInstanceOf(InvalidRequestException.class);
    db.commit();
    assertThat(db.isFailed()).isFalse();
    assertThat(vlobs.count()).isZero();
  }

  @Test
  void forEachVisitsEveryRow() {
    inTransaction(() -> {
      for (int i = 0; i < 10; i++) {
        vlobs.put(EntryId.random(), i, i % 2 == 0, new byte[] {(byte) i});
      }
    });
    Map<EntryId, VlobTable.Row> rows = new HashMap<>();

    vlobs.forEach(row -> rows.put(row.id(), row));

    assertThat(rows).hasSize(10);
    assertThat(rows.values()).filteredOn(VlobTable.Row::needSync).hasSize(5);
  }
}
