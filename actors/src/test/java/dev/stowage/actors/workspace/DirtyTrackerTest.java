package dev.stowage.actors.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.NeedSync;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DirtyTrackerTest {
  private final EntryId a = EntryId.random();
  private final EntryId b = EntryId.random();
  private final EntryId c = EntryId.random();

  @Test
  void pastMaxDirtyTheOldestAreAskedToFlushEachOnceUntilTheyReportAgain() {
    DirtyTracker tracker = new DirtyTracker(1);
    tracker.reported(a, false, false);
    assertThat(tracker.overMax(id -> true)).isEmpty();
    tracker.reported(b, false, false);
    tracker.reported(c, false, false);

    assertThat(tracker.overMax(id -> true)).containsExactly(a, b);
    assertThat(tracker.overMax(id -> true)).as("already asked").isEmpty();
    tracker.reported(a, false, false); // a newer value than the one asked to flush
    assertThat(tracker.overMax(id -> true)).containsExactly(a);
    assertThat(tracker.size()).isEqualTo(3);
  }

  @Test
  void anEntryThatCannotBeAskedNowIsSkippedAndAskedLater() {
    DirtyTracker tracker = new DirtyTracker(0);
    tracker.reported(a, false, false);
    tracker.reported(b, false, false);

    assertThat(tracker.overMax(id -> !id.equals(a))).containsExactly(b);
    assertThat(tracker.overMax(id -> true)).containsExactly(a);
  }

  @Test
  void aForgottenEntryNoLongerCountsNorHoldsAFlushRequest() {
    DirtyTracker tracker = new DirtyTracker(1);
    tracker.reported(a, false, false);
    tracker.reported(b, false, false);
    assertThat(tracker.overMax(id -> true)).containsExactly(a);
    tracker.forget(a);
    tracker.forget(b);
    tracker.forget(c); // never dirty: nothing happens

    assertThat(tracker.size()).isZero();
    tracker.reported(c, false, false);
    tracker.reported(a, false, false);
    assertThat(tracker.overMax(id -> true)).as("the old request of a is gone with it").containsExactly(c);
  }

  @Test
  @DisplayName("INV-5: the dirty entries' need-sync is laid over the stored rows: set, cleared, and deleted entries")
  void theNeedSyncOverlayCorrectsTheStoredRows() {
    DirtyTracker tracker = new DirtyTracker(100);
    tracker.reported(a, true, false); // needs sync, the row does not say so yet
    tracker.reported(b, false, false); // synced since the row was written
    tracker.reported(c, false, true); // deleted: neither local nor remote any more

    NeedSync merged = tracker.needSyncOverlay().over(Set.of(b, c), Set.of(c));

    assertThat(merged.local()).containsExactly(a);
    assertThat(merged.remote()).isEmpty();
  }
}
