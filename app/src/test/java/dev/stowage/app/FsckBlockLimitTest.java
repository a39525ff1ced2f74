package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.BlockLimitTable;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect}, {@code fsck} and {@code fsck --repair} judge a workspace's block cache by the
 * limit the workspace records (the library records it at each open), never by the CLI's own
 * configuration (the demo's, 512 blocks), and without a record they judge nothing and drop nothing.
 * Every run here is without {@code --config}, as a user runs the tools on a host's workspace.
 */
class FsckBlockLimitTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  /** The CLI's own limit: application.conf's 32 MiB / 64 KiB. */
  private static final int CLI_LIMIT = 512;

  private final LocalKey key = LocalKey.generate();
  private final BlobCipher cipher = new BlobCipher(key);
  @TempDir Path dir;

  @AfterAll
  static void stopTheActorSystem() {
    testKit.shutdownTestKit();
  }

  /** A host with {@code settings} (a configuration file's {@code stowage} block) writes {@code blocks} blocks. */
  private Path hostWrites(String workspace, String settings, int blocks) throws Exception {
    key.save(dir.resolve(KeyFileOption.KEY_FILE_NAME));
    Path config = Files.writeString(dir.resolve(workspace + ".conf"), "stowage { " + settings + " }\n");
    StorageSettings host = AppConfig.storageSettings(AppConfig.load(config)).withBaseDir(dir);
    WorkspaceStorage storage = Stowage.open(testKit.system(), workspace, key, host).toCompletableFuture()
        .get(20, TimeUnit.SECONDS);
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      ChunkId id = ChunkId.random();
      writes.add(storage.setBlock(id, ChunkContent.of(id, 1000)).toCompletableFuture());
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    storage.close().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return dir.resolve(workspace);
  }

  private CliRun cli(String command, String workspace, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--dir", dir.toString(), "--workspace", workspace));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private long blocks(Path workspace) {
    try (CacheStore cache = CacheStore.openToCheck(workspace, Durability.NORMAL, cipher)) {
      return cache.blocks().count();
    }
  }

  private Optional<BlockLimitTable.Recorded> recorded(Path workspace) {
    try (CacheStore cache = CacheStore.openToCheck(workspace, Durability.NORMAL, cipher)) {
      return cache.recordedBlockLimit();
    }
  }

  @Test
  @DisplayName("INV-13: a workspace written with the library's default limit (2048) holding 600 blocks is clean; --repair drops nothing; inspect shows 2048")
  void aHostsLargerLimitIsItsOwn() throws Exception {
    Path workspace = hostWrites("host", "cache-size = 1 GiB, block-size = 512 KiB", 600);

    CliRun fsck = cli("fsck", "host");
    CliRun repair = cli("fsck", "host", "--repair");
    CliRun inspect = cli("inspect", "host");

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.OK);
    assertThat(fsck.out()).contains("blocks: 600 of at most 2048 (the limit its host recorded)")
        .doesNotContain("block-limit:").doesNotContain(Integer.toString(CLI_LIMIT));
    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out()).contains("nothing to repair").doesNotContain("  dropped");
    assertThat(blocks(workspace)).isEqualTo(600);
    assertThat(inspect.exitCode()).as("%s", inspect).isEqualTo(ExitCodes.OK);
    assertThat(inspect.out()).contains("600 of at most 2048 (the limit its host recorded)");
    assertThat(recorded(workspace).orElseThrow().blocks()).as("the tools record nothing").isEqualTo(2048);
  }

  @Test
  @DisplayName("INV-13: a workspace whose limit (100) is smaller than the CLI's is judged by it: 50 blocks over it are found and --repair drops exactly those")
  void aHostsSmallerLimitIsItsOwn() throws Exception {
    Path workspace = hostWrites("small", "cache-size = 6400 KiB, block-size = 64 KiB", 100);
    try (CacheStore cache = CacheStore.open(workspace, Durability.NORMAL, cipher, 100)) {
      cache.database().begin(); // 50 blocks more, behind the library's back
      for (int i = 0; i < 50; i++) {
        ChunkId id = ChunkId.random();
        cache.blocks().table().put(id, 1000, cipher.seal(BlobCipher.Kind.BLOCK, id, ChunkContent.of(id, 1000)), -1 - i);
      }
      cache.database().commit();
    }

    CliRun inspect = cli("inspect", "small");
    CliRun fsck = cli("fsck", "small");
    CliRun repair = cli("fsck", "small", "--repair");

    assertThat(inspect.out()).as("%s", inspect).contains("150 of at most 100 (the limit its host recorded)");
    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.FINDINGS);
    assertThat(fsck.out()).contains("block-limit: the block cache holds 150 blocks, its limit is 100 (the limit its host recorded)");
    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out()).contains("dropped 50 blocks over the cache's limit of 100 (the limit its host recorded)");
    assertThat(blocks(workspace)).isEqualTo(100);
  }

  @Test
  @DisplayName("INV-13: a cache that records no limit (from before the record) is counted, not judged, and --repair drops none of its blocks; --block-limit N judges it by N")
  void withoutARecordNothingIsJudgedOrDropped() throws Exception {
    Path workspace = hostWrites("old", "cache-size = 1 GiB, block-size = 512 KiB", 600);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + workspace.resolve(DatabaseKind.CACHE.fileName()));
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE block_limit"); // what a cache written before the record looks like
      s.execute("PRAGMA user_version = 1");
    }

    CliRun fsck = cli("fsck", "old");
    CliRun repair = cli("fsck", "old", "--repair");
    CliRun inspect = cli("inspect", "old");

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.OK);
    assertThat(fsck.out()).contains("blocks: 600 blocks; no limit recorded").contains("not judged");
    assertThat(repair.exitCode()).as("%s", repair).isEqualTo(ExitCodes.OK);
    assertThat(repair.out()).contains("nothing to repair").doesNotContain("  dropped");
    assertThat(inspect.out()).as("%s", inspect).contains("600 blocks; no limit recorded");
    assertThat(blocks(workspace)).isEqualTo(600);
    assertThat(recorded(workspace)).as("the tools record nothing").isEmpty();

    CliRun given = cli("fsck", "old", "--block-limit", "550");
    assertThat(given.exitCode()).as("%s", given).isEqualTo(ExitCodes.FINDINGS);
    assertThat(given.out()).contains("its limit is 550 (--block-limit; the workspace records none)");
    CliRun trimmed = cli("fsck", "old", "--repair", "--block-limit", "550");
    assertThat(trimmed.exitCode()).as("%s", trimmed).isEqualTo(ExitCodes.OK);
    assertThat(trimmed.out()).contains("dropped 50 blocks over the cache's limit of 550");
    assertThat(blocks(workspace)).isEqualTo(550);
  }

  @Test
  void aBlockLimitThatIsNotPositiveIsAUsageError() throws IOException {
    for (String command : List.of("fsck", "inspect")) {
      CliRun run = CliRun.of(command, "--dir", dir.toString(), "--block-limit", "0");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.USAGE);
      assertThat(run.err()).contains("--block-limit must be positive, got 0");
    }
  }
}
