package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.stowage.storage.LocalKey;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding it" section is the example host project {@code examples/embedding}: its
 * pom block is the project's pom (without the pom's opening comment and its enforcer check, which
 * the README explains), its Java block the project's one class, to the letter. The module {@code
 * it} builds and runs that project against the installed artifacts, twice; here the class is
 * compiled against this module and run as a user runs it, each run in a JVM of its own that must
 * exit by itself: twice on one folder, and failing in each way a user meets first.
 *
 * <p>A run that does not exit within {@link #HUNG} fails the test instead of hanging it: the
 * example's {@code ActorSystem} has non-daemon threads, so the JVM exits only once the example has
 * terminated it.
 */
class ReadmeExampleTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path EXAMPLE = Path.of("..", "examples", "embedding");
  /** Far longer than a run takes (a second or two, in a cold JVM on a busy machine): a run still going is hung. */
  private static final Duration HUNG = Duration.ofMinutes(2);
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir static Path build;
  private static Path classes;
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir Path dir;

  /** The README's Java block, compiled against this module's classpath. */
  @BeforeAll
  static void compileTheReadmesExample() throws IOException {
    String source = ReadmeBlocks.block("<!-- embedding-example", "java");
    assertThat(source.lines().count()).as("the example stays short").isLessThanOrEqualTo(40);
    classes = Files.createDirectories(build.resolve("classes"));
    Path file = Files.writeString(build.resolve("EmbeddingExample.java"), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics,
        "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), file.toString());
    assertThat(status).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();
  }

  @Test
  void theReadmePomIsTheExampleProjectsPomWithoutItsCommentAndItsEnforcerCheck() throws IOException {
    String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
    String shown = pom.substring(0, pom.indexOf("<!--")) + pom.substring(pom.indexOf("<project"));
    int check = shown.indexOf("      <!-- Not in the README's copy");
    assertThat(check).as("examples/embedding/pom.xml marks its enforcer check").isNotNegative();
    int end = shown.indexOf("</plugin>\n", check) + "</plugin>\n".length();

    assertThat(ReadmeBlocks.block("<!-- embedding-pom", "xml")).isEqualTo(shown.substring(0, check) + shown.substring(end));
  }

  @Test
  void theReadmeJavaBlockIsTheExampleProjectsSource() throws IOException {
    assertThat(ReadmeBlocks.block("<!-- embedding-example", "java"))
        .isEqualTo(Files.readString(EXAMPLE.resolve("src/main/java/EmbeddingExample.java")));
  }

  @Test
  void theReadmesApiListNamesEveryMethodOfWorkspaceStorage() throws IOException {
    String readme = Files.readString(README);
    int start = readme.indexOf("The full API is `dev.stowage.actors.WorkspaceStorage`:");
    assertThat(start).as("README.md has the API list").isNotNegative();
    String list = readme.substring(start, readme.indexOf("\n\n", readme.indexOf("\n- ", start)));

    assertThat(Stream.of(WorkspaceStorage.class.getMethods()).map(Method::getName).distinct())
        .allSatisfy(name -> assertThat(list).contains("`" + name));
  }

  @Test
  void theExampleRunsAgainOnTheSameFolderWithTheKeyItSavedBesideIt() throws Exception {
    Run first = run(dir);
    Path keyFile = dir.resolve("stowage-example.key");
    String key = Files.readString(keyFile);
    Run second = run(dir);

    assertThat(first.status()).as(first.toString()).isZero();
    assertThat(second.status()).as(second.toString()).isZero();
    assertThat(first.out()).matches("stored [0-9a-f-]{36}\n");
    assertThat(second.out()).matches("stored [0-9a-f-]{36}\n").isNotEqualTo(first.out());
    assertThat(Files.readString(keyFile)).as("the second run loaded the key").isEqualTo(key);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    try (Stream<Path> files = Files.list(dir.resolve("stowage-example/my-workspace"))) {
      assertThat(files.map(path -> path.getFileName().toString()))
          .contains("data_v1.sqlite", "cache_v1.sqlite")
          .doesNotContain("stowage-example.key");
    }
  }

  @Test
  void theExampleExitsWithTheErrorWhenTheKeyIsNotTheWorkspaces() throws Exception {
    assertThat(run(dir).status()).isZero();
    Path keyFile = dir.resolve("stowage-example.key");
    Files.delete(keyFile);
    LocalKey.generate().save(keyFile);

    Run wrongKey = run(dir);

    assertThat(wrongKey.status()).as(wrongKey.toString()).isEqualTo(1);
    assertThat(wrongKey.out()).isEmpty();
    Path workspace = dir.resolve("stowage-example/my-workspace").toRealPath();
    assertThat(wrongKey.err()).containsPattern("InvalidRequestException: the key does not open "
        + Pattern.quote(workspace + File.separator) + "(data|cache)_v1\\.sqlite: "
        + "it is not the key this workspace was created with");
  }

  @Test
  void theExampleExitsWithTheErrorWhenTheKeyFileHoldsNoKey() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("stowage-example.key"), "not a key\n");

    Run noKey = run(dir);

    assertThat(noKey.status()).as(noKey.toString()).isEqualTo(1);
    assertThat(noKey.err()).contains("InvalidRequestException: key file " + keyFile.getFileName()
        + " does not hold a key: it is 10 bytes, and byte 0 (0x6e) is not a hex digit");
  }

  @Test
  void theExampleExitsWithTheErrorWhenStowageCannotCreateTheFolder() throws Exception {
    Path notAFolder = Files.writeString(dir.resolve("a-file"), "");

    Run cannotCreate = run(dir, notAFolder.toString());

    assertThat(cannotCreate.status()).as(cannotCreate.toString()).isEqualTo(1);
    assertThat(cannotCreate.err())
        .contains("StorageFailedException: cannot create workspace directory " + notAFolder.resolve("my-workspace"));
    assertThat(dir.resolve("a-file.key")).as("the key is saved beside the folder").exists();
  }

  private record Run(int status, String out, String err) {}

  /** Runs the compiled example in {@code workingDirectory} in a JVM of its own, which must exit within {@link #HUNG}. */
  private static Run run(Path workingDirectory, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(JAVA, "-cp",
        classes + File.pathSeparator + System.getProperty("java.class.path"), "EmbeddingExample"));
    command.addAll(List.of(args));
    int n = RUNS.incrementAndGet();
    Path out = build.resolve("run-" + n + ".out");
    Path err = build.resolve("run-" + n + ".err");
    Process process = new ProcessBuilder(command).directory(workingDirectory.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(HUNG.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      fail("the example did not exit within %s: it hangs. Its output:%n%s%n%s", HUNG, Files.readString(out),
          Files.readString(err));
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** The fenced {@code language} block of the README that follows {@code marker}. */
}
