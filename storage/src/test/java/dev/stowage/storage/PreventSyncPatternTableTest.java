package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("INV-16: prevent-sync pattern")
class PreventSyncPatternTableTest {
  @TempDir Path dir;
  private LocalDatabase db;
  private PreventSyncPatternTable patterns;

  @BeforeEach
  void open() {
    db = TestDatabases.openData(dir);
    patterns = new PreventSyncPatternTable(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  @DisplayName("INV-16: a new workspace starts with ^\\b$, not fully applied")
  void defaultPatternMatchesNothing() {
    assertThat(patterns.get()).isEqualTo(new PreventSyncPatternTable.State("^\\b$", false));
  }

  @Test
  @DisplayName("INV-16: setting the same pattern again is a no-op and keeps 'fully applied'")
  void settingTheSamePatternIsANoOp() {
    db.begin();
    assertThat(patterns.set(".*\\.tmp$")).isTrue();
    assertThat(patterns.markFullyApplied(".*\\.tmp$")).isTrue();
    assertThat(patterns.set(".*\\.tmp$")).isFalse();
    db.commit();

    assertThat(patterns.get()).isEqualTo(new PreventSyncPatternTable.State(".*\\.tmp$", true));
  }

  @Test
  @DisplayName("INV-16: 'fully applied' is recorded only if the pattern is still the current one")
  void fullyAppliedOnlyForTheCurrentPattern() {
    db.begin();
    patterns.set("a");
    patterns.set("b");
    assertThat(patterns.markFullyApplied("a")).isFalse();
    db.commit();
    assertThat(patterns.get()).isEqualTo(new PreventSyncPatternTable.State("b", false));

    db.begin();
    assertThat(patterns.markFullyApplied("b")).isTrue();
    patterns.set("c");
    db.commit();
    assertThat(patterns.get()).isEqualTo(new PreventSyncPatternTable.State("c", false));
  }
}
