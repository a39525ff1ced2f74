package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The code blocks of the README that tests compile and compare: each follows a marker comment. */
final class ReadmeBlocks {
  static final Path README = Path.of("..", "README.md");

  private ReadmeBlocks() {}

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
