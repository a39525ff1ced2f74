package dev.stowage.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.DatabaseKind;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import dev.stowage.storage.VlobTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs every subcommand in-process on temporary directories and checks exit codes and output,
 * including the errors a user meets: missing directory or key, wrong key, invalid configuration,
 * a locked or damaged database, and fsck finding what was broken behind Stowage's back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StowageCliTest {
  /** A demo run is a few seconds; one shared demo directory serves the read-only checks. */
  private Path shared;
  private Path smallConfig;

  @BeforeAll
  void runTheDemoOnce(@TempDir Path dir) throws IOException {
    shared = dir;
    smallConfig = smallConfig(shared);
    CliRun run = demo(shared.resolve("data"));
    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
  }

  /** A tiny workload: the cache holds 16 blocks of 64 KiB, so the downloader evicts. */
  private static Path smallConfig(Path dir) throws IOException {
    return Files.writeString(dir.resolve("small.conf"), """
        stowage {
          cache-size = 1 MiB
          block-size = 64 KiB
          demo { files-per-editor = 3, chunks-per-file = 3, chunk-size = 4 KiB, ensure-every = 5 }
        }
        """);
  }

  private CliRun demo(Path dir, String... extra) {
    List<String> args = new ArrayList<>(List.of("demo", "--dir", dir.toString(), "--config", smallConfig.toString(),
        "--no-progress", "--editors", "3", "--edits", "20", "--readers", "2", "--reads", "20", "--block-fill", "2"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private CliRun onShared(String command, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--dir", shared.resolve("data").toString(),
        "--config", smallConfig.toString()));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static long manifests(Path dir, String workspace) throws IOException {
    BlobCipher cipher = new BlobCipher(LocalKey.load(dir.resolve("stowage.key")));
    try (DataStore data = DataStore.open(dir.resolve(workspace), Durability.NORMAL, cipher)) {
      return data.vlobs().count();
    }
  }

  @Test
  @DisplayName("demo prints its summary, passes its final check, keeps its key file private, and a rerun starts from a fresh workspace: no more manifests, a host's workspace beside it untouched")
  void demoRunsToItsSummary(@TempDir Path dir) throws Exception {
    CliRun first = demo(dir);

    assertThat(first.exitCode()).as("%s", first).isEqualTo(ExitCodes.OK);
    assertThat(first.out()).startsWith("stowage demo: workspace 'demo' in " + dir + "\n")
        .contains("(generated, mode 0600")
        .contains("the demo keeps it beside its data, a real host keeps its key apart from the data it encrypts")
        .contains("setManifest (cache-only)", "getBlock", "p99 ms")
        .contains("commits of", "mean batch", "hit ratio", "evictions", "on disk:")
        .contains("getOutboundNeedSync", "updateManifests", "promoteChunkToBlock")
        .contains("sync:           27 chunks uploaded")
        .containsPattern("change feed: +[\\d,]+ manifest changes, 27 chunks promoted, [\\d,]+ backlog updates, 0 missed;"
            + " it ended with WorkspaceClosed")
        .contains("final check:    PASSED");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("stowage.key"))))
        .isEqualTo("rw-------");
    long afterFirst = manifests(dir, "demo");
    BlobCipher cipher = new BlobCipher(LocalKey.load(dir.resolve("stowage.key")));
    try (DataStore host = DataStore.open(dir.resolve("host"), Durability.NORMAL, cipher)) { // a host's, beside it
      host.database().begin();
      host.realmCheckpoint().set(7);
      host.database().commit();
    }
    Path notes = Files.writeString(dir.resolve("notes.txt"), "mine");
    byte[] key = Files.readAllBytes(dir.resolve("stowage.key"));
    String hostBefore = digest(dir.resolve("host"));

    CliRun second = demo(dir);

    assertThat(second.exitCode()).as("%s", second).isEqualTo(ExitCodes.OK);
    assertThat(second.out().lines().findFirst()).contains("stowage demo: workspace 'demo' in " + dir
        + "; removed the previous demo's: each run starts from a fresh one");
    assertThat(second.out()).contains("(reused, fingerprint").contains("final check:    PASSED");
    assertThat(manifests(dir, "demo")).as("the second run's manifests only").isEqualTo(afterFirst);
    assertThat(digest(dir.resolve("host"))).as("a host's workspace beside it").isEqualTo(hostBefore);
    assertThat(Files.readString(notes)).isEqualTo("mine");
    assertThat(Files.readAllBytes(dir.resolve("stowage.key"))).isEqualTo(key);
  }

  /** Every file of a directory (lock files aside: empty, made by whoever opens it) and a digest of its bytes. */
  private static String digest(Path dir) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    List<String> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path file : all.filter(Files::isRegularFile).filter(file -> !file.toString().endsWith(".lock")).toList()) {
        files.add(dir.relativize(file) + " " + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file))));
      }
    }
    files.sort(null);
    return String.join("\n", files);
  }

  @Test
  @DisplayName("demo never removes a folder it did not make: a host's workspace under the demo's name is refused, exit 3, and kept")
  void theDemoRemovesOnlyWhatItMade(@TempDir Path dir) throws Exception {
    LocalKey key = LocalKey.generate();
    key.save(dir.resolve("stowage.key"));
    try (DataStore host = DataStore.open(dir.resolve("demo"), Durability.NORMAL, new BlobCipher(key))) {
      host.database().begin();
      host.realmCheckpoint().set(7);
      host.database().commit();
    }
    String before = digest(dir.resolve("demo"));

    CliRun run = demo(dir);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err().lines()).hasSize(1).first().asString()
        .contains(dir.resolve("demo") + " exists and was not made by this demo")
        .contains("the demo removes only its own workspace");
    assertThat(run.out()).isEmpty();
    assertThat(digest(dir.resolve("demo"))).isEqualTo(before);
  }

  @Test
  @DisplayName("INV-1, INV-9: fsck reports the demo's workspace clean")
  void fsckOfTheDemoIsClean() {
    CliRun run = onShared("fsck");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("workspace demo:").contains("fsck: clean");
  }

  @Test
  void inspectShowsWhatIsStored() {
    CliRun run = onShared("inspect", "--workspace", "demo");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
    // 3 editors x 3 files, 3 folders, 1 workspace manifest; all synced by the demo's sync engine,
    // which promoted every chunk to the block cache
    assertThat(run.out()).contains("manifests         13 (workspace 1, folder 3, file 9)")
        .contains("need sync         local 0, remote 0")
        .contains("chunks            0, 0 B")
        .contains("schema version    data 2")
        .contains("quarantine        empty")
        .contains("blocks            ");
  }

  /** Changes the demo workspace of {@code dir} directly in its data database, in one transaction. */
  private static <T> T behindStowagesBack(Path dir, BiFunction<DataStore, BlobCipher, T> change) throws IOException {
    BlobCipher cipher = new BlobCipher(LocalKey.load(dir.resolve("stowage.key")));
    try (DataStore data = DataStore.open(dir.resolve("demo"), Durability.NORMAL, cipher)) {
      data.database().begin();
      T result = change.apply(data, cipher);
      data.database().commit();
      return result;
    }
  }

  @Test
  @DisplayName("INV-1: fsck names a file referencing a chunk not uploaded and not stored, and exits 1")
  void fsckFindsAChunkNeitherUploadedNorStored(@TempDir Path dir) throws IOException {
    assertThat(demo(dir).exitCode()).isEqualTo(ExitCodes.OK);
    ChunkRef deleted = behindStowagesBack(dir, (data, cipher) -> {
      List<FileManifest> files = new ArrayList<>();
      data.vlobs().forEach(row -> {
        if (ManifestCodec.decode(cipher.open(row.id(), row.blob())) instanceof FileManifest file) {
          files.add(file);
        }
      });
      // The demo's sync engine uploaded every chunk and promoted it out of the chunks: write the file
      // back saying this one was never uploaded, so it must be stored (INV-1), and it is not.
      FileManifest file = files.get(0);
      ChunkRef uploaded = file.chunks().get(1);
      assertThat(uploaded.uploaded()).isTrue();
      assertThat(data.chunks().get(uploaded.id())).as("promoted to the block cache").isEmpty();
      ChunkRef victim = new ChunkRef(uploaded.id(), uploaded.offset(), uploaded.size());
      List<ChunkRef> refs = new ArrayList<>(file.chunks());
      refs.set(1, victim);
      FileManifest local = new FileManifest(file.id(), file.parent(), file.baseVersion(), true, file.updated(),
          file.size(), file.blocksize(), refs);
      data.vlobs().put(file.id(), file.baseVersion(), true, cipher.seal(file.id(), ManifestCodec.encode(local)));
      return victim;
    });

    CliRun run = CliRun.of("fsck", "--dir", dir.toString(), "--config", smallConfig.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.FINDINGS);
    assertThat(run.out()).contains("dangling: file ").contains("references chunk " + deleted.id() + ", which is not uploaded and not stored")
        .contains("fsck: 1 finding(s)");
  }

  @Test
  @DisplayName("INV-9: fsck names a manifest whose stored bytes were flipped, and exits 1")
  void fsckFindsAFlippedByte(@TempDir Path dir) throws IOException {
    assertThat(demo(dir).exitCode()).isEqualTo(ExitCodes.OK);
    VlobTable.Row victim = behindStowagesBack(dir, (data, cipher) -> {
      List<VlobTable.Row> rows = new ArrayList<>();
      data.vlobs().forEach(rows::add);
      VlobTable.Row row = rows.get(rows.size() / 2);
      byte[] flipped = row.blob().clone();
      flipped[flipped.length - 5] ^= 0x10;
      data.vlobs().put(row.id(), row.baseVersion(), row.needSync(), flipped);
      return row;
    });

    CliRun run = CliRun.of("fsck", "--dir", dir.toString(), "--config", smallConfig.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.FINDINGS);
    assertThat(run.out()).contains("unreadable: manifest " + victim.id());
  }

  @Test
  @DisplayName("INV-9: fsck reports a data file that is not a database, and exits 1; inspect refuses it")
  void aFileThatIsNotADatabase(@TempDir Path dir) throws IOException {
    Path workspace = Files.createDirectories(dir.resolve("broken"));
    Files.write(workspace.resolve(DatabaseKind.DATA.fileName()), "this is not a database, it is a text file".repeat(200).getBytes());
    LocalKey.generate().save(dir.resolve("stowage.key"));

    CliRun fsck = CliRun.of("fsck", "--dir", dir.toString());
    CliRun inspect = CliRun.of("inspect", "--dir", dir.toString());

    assertThat(fsck.exitCode()).as("%s", fsck).isEqualTo(ExitCodes.FINDINGS);
    assertThat(fsck.out()).contains("integrity: data_v1.sqlite").contains("is not a SQLite database");
    assertThat(inspect.exitCode()).as("%s", inspect).isEqualTo(ExitCodes.ERROR);
    assertThat(inspect.err()).contains("is not a SQLite database").doesNotContain("\tat ");
  }

  @Test
  void aMissingDirectoryIsAClearError(@TempDir Path dir) {
    for (String command : List.of("inspect", "fsck")) {
      CliRun run = CliRun.of(command, "--dir", dir.resolve("nowhere").toString());

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
      assertThat(run.err()).contains("stowage " + command + ": no such directory: " + dir.resolve("nowhere"))
          .doesNotContain("\tat ");
    }
  }

  @Test
  void aMissingKeyFileIsAClearError() {
    CliRun run = onShared("fsck", "--key-file", shared.resolve("absent.key").toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("no key file at " + shared.resolve("absent.key"));
  }

  @Test
  void aKeyFileOfRandomBytesIsAClearErrorSayingWhatAKeyFileMustBe(@TempDir Path keys) throws IOException {
    byte[] random = new byte[100];
    new Random(100).nextBytes(random);
    random[0] = (byte) 0xff;
    Path file = Files.write(keys.resolve("random.key"), random);

    CliRun run = onShared("fsck", "--key-file", file.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("stowage fsck: key file " + file + " does not hold a key: it is 100 bytes")
        .contains("a key file holds the 32-byte key as 64 hex digits and a newline")
        .doesNotContain("Input length").doesNotContain("\tat ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"fsck", "inspect"})
  @DisplayName("INV-20: a wrong key is refused with a clear error, and nothing is changed")
  void aWrongKeyIsAClearError(String command, @TempDir Path keys) throws IOException {
    Path wrong = keys.resolve("wrong.key");
    LocalKey.generate().save(wrong);
    long before = Files.size(shared.resolve("data/demo").resolve(DatabaseKind.DATA.fileName()));

    CliRun run = onShared(command, "--key-file", wrong.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("it is not the key this workspace was created with").doesNotContain("\tat ");
    assertThat(Files.size(shared.resolve("data/demo").resolve(DatabaseKind.DATA.fileName()))).isEqualTo(before);
    assertThat(onShared("fsck").exitCode()).isEqualTo(ExitCodes.OK);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stowage.cache-size = -1", "stowage.durability = sometimes",
      "stowage.demo.editors = 0", "stowage.group-commit.max-delay = soon", "stowage { unclosed"})
  void anInvalidConfigurationValueIsAClearErrorNamingTheKey(String line, @TempDir Path dir) throws IOException {
    Path config = Files.writeString(dir.resolve("bad.conf"), line + "\n");

    CliRun run = CliRun.of("demo", "--dir", dir.resolve("data").toString(), "--config", config.toString(), "--no-progress");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("invalid configuration").doesNotContain("\tat ");
    if (!line.contains("unclosed")) {
      assertThat(run.err()).contains(line.substring(0, line.indexOf(' ')).replace("stowage.demo.", ""));
    }
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  @DisplayName("INV-12: a database locked by another connection is refused with a clear error")
  void aLockedDatabaseIsAClearError() throws Exception {
    Path file = shared.resolve("data/demo").resolve(DatabaseKind.DATA.fileName());
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = other.createStatement()) {
      statement.execute("PRAGMA busy_timeout = 0");
      statement.execute("BEGIN IMMEDIATE");

      CliRun run = onShared("fsck");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
      assertThat(run.err()).contains("is locked").contains("stop it first").doesNotContain("\tat ");
      statement.execute("ROLLBACK");
    }
  }

  /**
   * Runs {@code main} (the CLI's, or a probe around it) as a separate program, with the app's logging
   * configuration as a user's terminal has it (the test classpath's logback-test.xml, from the
   * cluster test-jar, would silence everything).
   */
  private static CliRun child(Path dir, Class<?> main, List<String> jvmOptions, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.add("-Dlogback.configurationFile=" + StowageCli.class.getResource("/logback.xml"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the CLI ended").isTrue();
    return new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  @DisplayName("INV-12: demo on its workspace while another program holds it prints exactly one line on stderr, and removes nothing")
  void demoOnAWorkspaceAnotherProgramHoldsIsOneLine(@TempDir Path dir) throws Exception {
    LocalKey key = LocalKey.generate();
    key.save(dir.resolve("stowage.key"));
    Path workspace = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(workspace.resolve(".stowage-demo"), "a previous demo's\n");
    try (DataStore held = DataStore.open(workspace, Durability.NORMAL, new BlobCipher(key))) {
      CliRun run = child(dir, StowageCli.class, List.of(), "demo", "--dir", dir.toString(), "--no-progress");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
      assertThat(run.err().lines()).as("%s", run).hasSize(1).first().asString()
          .startsWith("stowage demo: " + workspace + " is in use: another program has this workspace open");
      assertThat(workspace.resolve(DatabaseKind.DATA.fileName())).exists();
    }
  }

  @Test
  @DisplayName("the library's and Pekko's log lines stay off the terminal, so an error is the CLI's one line; -Dstowage.log=error shows the library's errors")
  void logLinesStayOffTheTerminalUnlessAskedFor(@TempDir Path dir) throws Exception {
    String[] failing = {"inspect", "--dir", dir.resolve("nowhere").toString()};

    CliRun quiet = child(dir, LogProbeCli.class, List.of(), failing);
    CliRun logged = child(dir, LogProbeCli.class, List.of("-Dstowage.log=error"), failing);

    assertThat(quiet.exitCode()).as("%s", quiet).isEqualTo(ExitCodes.ERROR);
    assertThat(quiet.err().lines()).as("%s", quiet)
        .containsExactly("stowage inspect: no such directory: " + dir.resolve("nowhere"));
    assertThat(logged.exitCode()).as("%s", logged).isEqualTo(ExitCodes.ERROR);
    assertThat(logged.err().lines()).as("%s", logged).hasSize(2)
        .anyMatch(line -> line.contains("ERROR d.s.a.g.GatewayLifecycle - cannot open workspace 'demo'"))
        .last().isEqualTo("stowage inspect: no such directory: " + dir.resolve("nowhere"));
  }

  @Test
  void anUnknownWorkspaceIsAClearError() {
    CliRun run = onShared("inspect", "--workspace", "nope");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("no workspace 'nope'").contains("found: demo");
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo", "inspect", "fsck", "backup", "restore", "bench", "crash-test", "gc"})
  void everyCommandHasHelp(String command) {
    CliRun run = CliRun.of(command, "--help");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("Usage: stowage " + command);
  }

  /** The options of a command's usage line ("Usage: stowage gc [-hV] [--config=FILE] ... --workspace=ID"). */
  private static Set<String> optionsInUsage(String help) {
    List<String> lines = help.lines().dropWhile(line -> !line.startsWith("Usage:")).toList();
    StringBuilder usage = new StringBuilder(lines.get(0));
    lines.stream().skip(1).takeWhile(line -> line.matches("\\s+[\\[-].*")).forEach(usage::append);
    Set<String> options = new TreeSet<>();
    Matcher option = Pattern.compile("--[a-z][a-z-]*").matcher(usage);
    while (option.find()) {
      options.add(option.group());
    }
    return options;
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "inspect; --block-limit --config --dir --key-file --workspace",
      "fsck;    --block-limit --config --dir --key-file --repair --workspace",
      "backup;  --config --dir --force --to --workspace",
      "restore; --config --dir --force --from --key-file --workspace",
      "gc;      --config --dir --grace --key-file --workspace"})
  @DisplayName("each command's --help offers only the options it uses: backup no key file")
  void eachCommandOffersOnlyItsOptions(String command, String options) {
    CliRun help = CliRun.of(command, "--help");

    assertThat(help.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(optionsInUsage(help.out())).as("%s", help.out()).containsExactlyElementsOf(new TreeSet<>(List.of(options.split(" "))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"restore", "gc"})
  @DisplayName("restore and gc require --workspace: its usage shows it so, and a command line without it is exit 2 with picocli's message")
  void aRequiredWorkspaceIsAUsageError(String command) {
    CliRun help = CliRun.of(command, "--help");
    CliRun without = command.equals("restore") ? CliRun.of(command, "--from", "backup.file")
        : CliRun.of(command, "--grace", "PT1H");

    assertThat(help.out()).contains(" --workspace=ID").doesNotContain("[--workspace=ID]");
    assertThat(without.exitCode()).as("%s", without).isEqualTo(ExitCodes.USAGE);
    assertThat(without.err()).contains("Missing required option: '--workspace=ID'").contains("Usage: stowage " + command);
  }

  @Test
  void aWrongCommandLineIsAUsageError() {
    assertThat(CliRun.of("fsck", "--no-such-option").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(CliRun.of().exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(CliRun.of("demo", "--editors", "many").exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void crashTestRefusesAnUnknownDurability() {
    CliRun run = CliRun.of("crash-test", "--power-loss", "--durability", "sometimes");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--durability must be normal or full, got 'sometimes'");
  }

  @Test
  @DisplayName("INV-8: crash-test ends with its one summary line and exit code 0 when nothing was lost")
  void crashTestEndsWithItsSummaryLine(@TempDir Path dir) {
    CliRun run = CliRun.of("crash-test", "--trials", "2", "--dir", dir.toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.OK);
    assertThat(run.out()).contains("trial 1/2 seed=1", "trial 2/2 seed=2")
        .containsPattern("trials=2 acknowledged=\\d+ lost=0 dangling=0 transactions=\\d+ torn=0 integrity=ok\\s*$");
  }
}
