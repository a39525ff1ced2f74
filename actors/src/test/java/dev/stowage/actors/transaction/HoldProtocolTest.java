package dev.stowage.actors.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.Await;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.TestSettings;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hold protocol of a tree transaction ({@link ManifestTransaction}), with a test probe as
 * another transaction's coordinator that holds an entry and lets it go when the test says so.
 */
@ExtendWith(TestKitJUnit5Extension.class)
class HoldProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path dir;

  private static final EntryId ROOT = EntryId.random();

  private static FolderManifest value(EntryId id, long version) {
    return new FolderManifest(id, ROOT, version, true, Instant.EPOCH, Map.of());
  }

  private WorkspaceStorage open(StorageSettings settings) throws Exception {
    return Await.result(Stowage.open(testKit.system(), "holds", LocalKey.generate(), settings));
  }

  /** Holds the entry of {@code change} for {@code holder}, as another transaction's coordinator would. */
  private HoldReply.Held hold(WorkspaceStorage storage, ManifestChange change, TestProbe<HoldReply> holder) {
    storage.supervisor().<Object>unsafeUpcast().tell(new EntityCommand.Hold(change, holder.ref(), true, 1));
    return holder.expectMessageClass(HoldReply.Held.class, WAIT);
  }

  /** Two new entries, each stored at version 1, the one whose id sorts first first. */
  private static List<EntryId> twoStoredInOrder(WorkspaceStorage storage) {
    EntryId x = EntryId.random();
    EntryId y = EntryId.random();
    List<EntryId> ids = x.compareTo(y) < 0 ? List.of(x, y) : List.of(y, x);
    for (EntryId id : ids) {
      Await.result(storage.setManifest(id, value(id, 1)));
    }
    return ids;
  }

  /** A probe told each name of {@code stagesAndNames} (stage, name, stage, name...) when its stage completes. */
  private TestProbe<String> completions(Object... stagesAndNames) {
    TestProbe<String> probe = testKit.createTestProbe();
    for (int i = 0; i < stagesAndNames.length; i += 2) {
      String name = (String) stagesAndNames[i + 1];
      ((CompletableFuture<?>) stagesAndNames[i]).whenComplete((value, error) -> probe.ref().tell(name));
    }
    return probe;
  }

  @Test
  @DisplayName("SPEC 6b: a transaction that meets a held entry lets go of what it holds, waits for it in the order of ids, and commits once it is released; single-key reads of a held entry wait too")
  void aBusyEntryIsWaitedForInOrderWithoutHoldingTheOthers() throws Exception {
    WorkspaceStorage storage = open(TestSettings.in(dir));
    // a sorts first: once it is busy, the transaction waits for it before it holds b again (with b
    // first, b would be held while a is waited for, and the read of b below would wait for a)
    List<EntryId> ids = twoStoredInOrder(storage);
    EntryId a = ids.get(0);
    EntryId b = ids.get(1);
    TestProbe<HoldReply> other = testKit.createTestProbe();
    HoldReply.Held heldA = hold(storage, ManifestChange.replace(value(a, 1), value(a, 9)), other);

    CompletableFuture<?> read = storage.getManifest(a).toCompletableFuture();
    CompletableFuture<?> transaction = storage.updateManifests(List.of(
        ManifestChange.replace(value(a, 1), value(a, 2)), ManifestChange.replace(value(b, 1), value(b, 2))))
        .toCompletableFuture();
    // b was held in the first round, then let go when a was busy: it serves reads while a is waited for
    assertThat(Await.result(storage.getManifest(b))).isEqualTo(value(b, 1));
    TestProbe<String> completions = completions(read, "read", transaction, "transaction");
    completions.expectNoMessage(Duration.ofMillis(200)); // neither the read of a held entry nor the transaction

    heldA.entity().tell(new EntityCommand.Release(other.ref(), false));
    assertThat(List.of(completions.receiveMessage(WAIT), completions.receiveMessage(WAIT)))
        .containsExactlyInAnyOrder("read", "transaction");
    Await.result(transaction);
    assertThat(read.get()).as("the read waited, and saw the value before both transactions").isEqualTo(value(a, 1));
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(value(a, 2));
    assertThat(Await.result(storage.getManifest(b))).isEqualTo(value(b, 2));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b: an entity whose holder stops asks what is stored and lets go; the transaction's value is not applied, nothing is lost")
  void aHolderThatStopsReleasesItsEntries() throws Exception {
    WorkspaceStorage storage = open(TestSettings.in(dir));
    EntryId a = EntryId.random();
    Await.result(storage.setManifest(a, value(a, 1), true, java.util.Set.of())); // dirty: must survive
    TestProbe<HoldReply> holder = testKit.createTestProbe();
    hold(storage, ManifestChange.replace(value(a, 1), value(a, 9)), holder);
    CompletableFuture<LocalManifest> read = storage.getManifest(a).toCompletableFuture();
    TestProbe<String> completions = completions(read, "read");
    completions.expectNoMessage(Duration.ofMillis(100));

    holder.stop();
    completions.expectMessage(WAIT, "read");
    assertThat(read.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(value(a, 1));
    Await.result(storage.ensureManifestPersistent(a));
    Await.result(storage.clearMemoryCache(false));
    assertThat(Await.result(storage.getManifest(a))).as("the cache-only value, flushed").isEqualTo(value(a, 1));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b: an entry a transaction gets only after it gave up (past ask-timeout) is let go at once: nothing changes, and later calls on it go through")
  void anEntryHeldAfterItsTransactionGaveUpIsLetGo() throws Exception {
    WorkspaceStorage storage = open(TestSettings.in(dir, "stowage.ask-timeout = 1s"));
    List<EntryId> ids = twoStoredInOrder(storage);
    EntryId a = ids.get(0);
    EntryId b = ids.get(1);
    TestProbe<HoldReply> other = testKit.createTestProbe();
    HoldReply.Held heldB = hold(storage, ManifestChange.replace(value(b, 1), value(b, 9)), other);

    // a is held, b is busy: the transaction takes a again, then waits for b until it gives up
    CompletableFuture<?> transaction = storage.updateManifests(List.of(
        ManifestChange.replace(value(a, 1), value(a, 2)), ManifestChange.replace(value(b, 1), value(b, 2))))
        .toCompletableFuture();
    assertThat(transaction).failsWithin(WAIT); // the caller's own ask may end first, at the same limit
    // a read of a waits until the transaction gave up and let a go
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(value(a, 1));
    // b now takes the hold that waited for it, for a transaction that has ended
    heldB.entity().tell(new EntityCommand.Release(other.ref(), false));

    assertThat(Await.result(storage.getManifest(b))).as("let go, unchanged").isEqualTo(value(b, 1));
    Await.result(storage.setManifest(b, value(b, 3)));
    assertThat(Await.result(storage.getManifest(b))).isEqualTo(value(b, 3));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b: holds sent in the name of a transaction the supervisor does not run (the façade sent them, its start was refused) are let go: the entry takes later calls, unchanged")
  void holdsOfATransactionTheSupervisorDoesNotRunAreLetGo() throws Exception {
    WorkspaceStorage storage = open(TestSettings.in(dir));
    EntryId a = twoStoredInOrder(storage).get(0);
    ActorRef<Object> supervisor = storage.supervisor().unsafeUpcast();
    // as the façade sends a first-round hold, for a transaction number the supervisor never started
    supervisor.tell(TransactionRun.firstRound(ManifestChange.replace(value(a, 1), value(a, 9)), supervisor.narrow(),
        Long.MAX_VALUE));

    // another hold, sent behind it the same way, is answered only once the first is let go
    TestProbe<HoldReply> other = testKit.createTestProbe();
    HoldReply.Held held = hold(storage, ManifestChange.replace(value(a, 1), value(a, 3)), other);
    held.entity().tell(new EntityCommand.Release(other.ref(), false));
    assertThat(Await.result(storage.getManifest(a))).as("neither hold's value was applied").isEqualTo(value(a, 1));
    Await.result(storage.setManifest(a, value(a, 2)));
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(value(a, 2));
    Await.result(storage.close());
  }
}
