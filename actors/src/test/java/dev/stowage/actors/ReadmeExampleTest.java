package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding it" section is the example host project {@code examples/embedding}: its
 * dependency block is the project's dependencies, its Java block the project's one class, to the
 * letter. The module {@code it} builds and runs that project against the installed artifacts;
 * here the class is also compiled against this module and run in this JVM.
 */
class ReadmeExampleTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path EXAMPLE = Path.of("..", "examples", "embedding");

  @Test
  void theReadmeDependencyBlockIsTheExampleProjectsDependencies() throws IOException {
    String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
    int open = pom.indexOf("<dependencies>\n") + "<dependencies>\n".length();
    String dependencies = pom.substring(open, pom.lastIndexOf('\n', pom.indexOf("</dependencies>")) + 1);

    assertThat(block("<!-- embedding-dependency", "xml")).isEqualTo(dedent(dependencies));
  }

  @Test
  void theReadmeJavaBlockIsTheExampleProjectsSource() throws IOException {
    assertThat(block("<!-- embedding-example", "java"))
        .isEqualTo(Files.readString(EXAMPLE.resolve("src/main/java/EmbeddingExample.java")));
  }

  @Test
  void theEmbeddingExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
    String source = block("<!-- embedding-example", "java");
    assertThat(source.lines().count()).as("the example stays short").isLessThanOrEqualTo(32);
    Path file = Files.writeString(dir.resolve("EmbeddingExample.java"), source);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics,
        "-d", dir.toString(), "-cp", System.getProperty("java.class.path"), file.toString());
    assertThat(status).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass("EmbeddingExample").getMethod("main", String[].class);
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[] {dir.resolve("data").toString()});
    } finally {
      System.setOut(out);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("stored ");
    try (Stream<Path> files = Files.list(dir.resolve("data/my-workspace"))) {
      List<String> names = files.map(path -> path.getFileName().toString()).toList();
      assertThat(names).contains("data_v1.sqlite", "cache_v1.sqlite");
    }
  }

  /** The fenced {@code language} block of the README that follows {@code marker}. */
  private static String block(String marker, String language) throws IOException {
    String readme = Files.readString(README);
    int at = readme.indexOf(marker);
    assertThat(at).as("README.md has the marker %s", marker).isNotNegative();
    String fence = "```" + language + "\n";
    int start = readme.indexOf(fence, at) + fence.length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  /** {@code text} without the indentation all its lines share. */
  private static String dedent(String text) {
    int indent = text.lines().filter(line -> !line.isBlank())
        .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
    return text.lines().map(line -> line.length() < indent ? line.strip() : line.substring(indent))
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
