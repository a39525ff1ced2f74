package dev.stowage.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public records of the protocol document each component with an {@code @param} in the
 * record's javadoc, which is where javadoc (and an IDE, from the javadoc jar) takes a component's
 * documentation from: what {@code FileManifest.blocksize} or {@code baseVersion} means should not
 * take reading the source.
 */
class RecordDocumentationTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/stowage/protocol");

  @Test
  void everyPublicRecordDocumentsEachComponent() throws Exception {
    List<Class<?>> records = publicRecords();
    assertThat(records).extracting(Class::getSimpleName).contains("FileManifest", "ChunkRef", "NeedSync");

    for (Class<?> record : records) {
      String javadoc = javadocOf(record);
      for (RecordComponent component : record.getRecordComponents()) {
        assertThat(javadoc)
            .as("the javadoc of %s documents its component %s", record.getSimpleName(), component.getName())
            .containsPattern("@param " + component.getName() + "\\s");
      }
    }
  }

  /** The top-level public records of this package, from its source files. */
  private static List<Class<?>> publicRecords() throws IOException, ClassNotFoundException {
    List<String> names;
    try (Stream<Path> files = Files.list(SOURCES)) {
      names = files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".java"))
          .map(name -> name.substring(0, name.length() - ".java".length()))
          .filter(name -> !name.equals("package-info")).sorted().toList();
    }
    List<Class<?>> records = new ArrayList<>();
    for (String name : names) {
      Class<?> type = Class.forName("dev.stowage.protocol." + name);
      if (type.isRecord() && Modifier.isPublic(type.getModifiers())) {
        records.add(type);
      }
    }
    return records;
  }

  /** The javadoc comment right above the record's declaration. */
  private static String javadocOf(Class<?> record) throws IOException {
    String source = Files.readString(SOURCES.resolve(record.getSimpleName() + ".java"));
    int declaration = source.indexOf("public record " + record.getSimpleName());
    int end = source.lastIndexOf("*/", declaration);
    int start = source.lastIndexOf("/**", end);
    assertThat(start).as("%s has a javadoc comment", record.getSimpleName()).isNotNegative();
    return source.substring(start, end);
  }
}
