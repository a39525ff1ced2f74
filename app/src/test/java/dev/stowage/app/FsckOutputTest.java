package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code fsck}, {@code fsck --repair} and {@code inspect} print about a workspace with much
 * damage: short lines, SQLite's integrity report summarized, findings past a few dozen counted, a
 * check that stopped early saying so, and the next step as a command to type.
 */
class FsckOutputTest {
  /** Longest line a command may print here (the suggested commands hold the temporary directory's path). */
  private static final int MAX_LINE = 200;
  private static final int PAGE_SIZE = 4096;

  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);
  @TempDir Path dir;
  private Path workspace;
  private final List<EntryId> manifests = new ArrayList<>();

  /** A workspace of 1,000 folder manifests and 200 chunks of 3,000 bytes (a page each). */
  @BeforeEach
  void workspace() throws IOException {
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    workspace = dir.resolve("ws");
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher);
        CacheStore cache = CacheStore.open(workspace, Durability.NORMAL, cipher, 2048)) {
      data.database().begin();
      EntryId root = EntryId.random();
      for (int i = 0; i < 1000; i++) {
        EntryId id = EntryId.random();
        FolderManifest folder = new FolderManifest(id, root, 1, false, Instant.EPOCH, Map.of("n" + i, EntryId.random()));
        data.vlobs().put(id, 1, false, cipher.seal(id, ManifestCodec.encode(folder)));
        manifests.add(id);
      }
      for (int i = 0; i < 200; i++) {
        ChunkId id = ChunkId.random();
        data.chunks().put(id, 3000, cipher.seal(BlobCipher.Kind.CHUNK, id, ChunkContent.of(id, 3000)), 0);
      }
      data.database().commit();
    }
  }

  private Path dataFile() {
    return workspace.resolve(DatabaseKind.DATA.fileName());
  }

  /**
   * The root page of table {@code chunks} overwritten with an empty leaf page: its 100-odd pages are
   * reachable from nothing, and SQLite's integrity_check reports a hundred lines "Page N: never used".
   */
  private void orphanTheChunkPages() throws Exception {
    int root;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataFile());
        Statement s = c.createStatement();
        ResultSet row = s.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = 'chunks'")) {
      row.next();
      root = row.getInt(1);
    }
    byte[] emptyLeaf = new byte[PAGE_SIZE];
    emptyLeaf[0] = 0x0D; // a table leaf, no cells, content starting at the page's end
    emptyLeaf[5] = (byte) (PAGE_SIZE >> 8);
    overwrite((long) (root - 1) * PAGE_SIZE, emptyLeaf);
  }

  private void overwrite(long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(dataFile().toFile(), "rw")) {
      file.seek(offset);
      file.write(bytes);
    }
  }

  private CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--dir", dir.toString()));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static void assertShortLines(CliRun run, int maxLines) {
    assertThat(run.out().lines()).as("%s", run).hasSizeLessThanOrEqualTo(maxLines)
        .allSatisfy(line -> assertThat(line.length()).as("length of: %s", line).isLessThanOrEqualTo(MAX_LINE));
    assertThat(run.err().lines()).as("%s", run).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  @DisplayName("INV-9: an orphaned page range: SQLite's hundred lines become one, the check says it stopped early and why, and plain fsck names the restore command")
  void anOverwrittenPageRangeReadsAsAFewShortLines() throws Exception {
    orphanTheChunkPages();

    CliRun fsck = run("fsck");

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.FINDINGS);
    assertShortLines(fsck, 12);
    assertThat(fsck.out())
        .containsPattern("integrity: data_v1.sqlite: PRAGMA integrity_check reports 100 problems \\(it stops at 100\\):\n"
            + " +Page \\d+-\\d+: never used \\(100 pages\\)\n")
        .contains("INCOMPLETE, the check stopped in data_v1.sqlite while reading chunks, after 1000 manifests")
        .contains("integrity: data_v1.sqlite is corrupt (SQLite: database disk image is malformed), while reading chunks")
        .contains("next: data_v1.sqlite is damaged, and no repair mends a damaged file: restore it from a backup:")
        .contains("bin/stowage restore --from FILE --dir " + dir + " --workspace ws --force")
        .doesNotContainPattern("rows decrypted, \\d+ finding")
        .doesNotContain("reopen the workspace");
  }

  @Test
  @DisplayName("INV-9: fsck --repair on an orphaned page range: what it leaves is one short line, then the check and the restore command")
  void repairOfAnOverwrittenPageRangeReadsAsAFewShortLines() throws Exception {
    orphanTheChunkPages();

    CliRun repair = run("fsck", "--repair");

    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.FINDINGS);
    assertShortLines(repair, 15);
    assertThat(repair.out())
        .contains("not repaired: data_v1.sqlite: PRAGMA integrity_check reports 100 problem(s); moving rows cannot"
            + " mend a damaged file")
        .contains("bin/stowage restore --from FILE --dir " + dir + " --workspace ws --force")
        .doesNotContain("fsck --repair --dir")
        .endsWith("fsck --repair: nothing repaired; 2 finding(s) left\n");
  }

  @Test
  @DisplayName("INV-9: a zeroed page range stops even the integrity check: fsck says so and how to restore; inspect gives one line with the CLI's next step, not the library's")
  void aZeroedPageRangeStopsTheCheckAndInspectSaysWhatToRun() throws Exception {
    overwrite(20L * PAGE_SIZE, new byte[30 * PAGE_SIZE]);

    CliRun fsck = run("fsck");
    CliRun inspect = run("inspect");

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.FINDINGS);
    assertShortLines(fsck, 8);
    assertThat(fsck.out()).contains("INCOMPLETE, the check stopped in data_v1.sqlite while running its integrity check")
        .contains("bin/stowage restore --from FILE --dir " + dir + " --workspace ws --force");
    assertThat(inspect.exitCode()).as("%s", inspect).isEqualTo(ExitCodes.ERROR);
    assertThat(inspect.err().lines()).as("%s", inspect).hasSize(1).first().asString()
        .startsWith("stowage inspect: workspace 'ws': data_v1.sqlite is corrupt (SQLite: database disk image is malformed)")
        .contains("bin/stowage fsck --dir " + dir + " --workspace ws")
        .doesNotContain("reopen the workspace").doesNotContain("StorageFailedException");
  }

  @Test
  @DisplayName("INV-9: 100 unreadable manifests: 30 listed one per line, the rest counted by kind, and the repair to run")
  void manyFindingsAreListedUpToAFewDozenThenCounted() throws Exception {
    try (DataStore data = DataStore.open(workspace, Durability.NORMAL, cipher)) {
      data.database().begin();
      for (EntryId id : manifests.subList(0, 100)) {
        byte[] flipped = data.vlobs().get(id).orElseThrow().clone();
        flipped[flipped.length - 5] ^= 0x10;
        data.vlobs().put(id, 1, false, flipped);
      }
      data.database().commit();
    }

    CliRun fsck = run("fsck");

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.FINDINGS);
    assertShortLines(fsck, 40);
    assertThat(fsck.out().lines().filter(line -> line.startsWith("  unreadable: manifest "))).hasSize(30);
    assertThat(fsck.out())
        .contains("workspace ws: 900 manifests, 1200 rows decrypted, 100 finding(s):")
        .contains("  ... and 70 more: 70 unreadable\n")
        .contains("next: fsck --repair quarantines what does not read (its bytes kept) and marks what the server has to"
            + " fetch again:")
        .contains("bin/stowage fsck --repair --dir " + dir + " --workspace ws")
        .as("no orphan count while manifests do not read: some of the chunks may be theirs")
        .doesNotContain("orphan chunks")
        .endsWith("fsck: 100 finding(s)\n");
    assertThat(Files.exists(dataFile())).isTrue();
  }
}
