package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** The code blocks of the README that tests compile and compare: each follows a marker comment. */
final class ReadmeBlocks {
  static final Path README = Path.of("..", "README.md");

  private ReadmeBlocks() {}

  /**
   * Compiles the Java block after {@code marker}, class {@code className}, against this module's
   * test class path, in {@code dir}; returns the class, loaded.
   */
  static Class<?> compiledJava(String marker, String className, Path dir) throws Exception {
    Path sources = Files.createDirectories(dir.resolve("src"));
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path file = Files.writeString(sources.resolve(className + ".java"), block(marker, "java"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics,
        "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), file.toString());
    assertThat(status).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeBlocks.class.getClassLoader());
    return loader.loadClass(className);
  }

  /** The first {@code language} block after {@code marker}. */
  static String block(String marker, String language) throws IOException {
    String readme = Files.readString(README);
    int at = readme.indexOf(marker);
    assertThat(at).as("README.md has the marker %s", marker).isNotNegative();
    String fence = "```" + language + "\n";
    int start = readme.indexOf(fence, at) + fence.length();
    return readme.substring(start, readme.indexOf("```", start));
  }
}
