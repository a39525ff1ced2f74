package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.gateway.GatewayEvent;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import dev.stowage.protocol.WorkspaceEvent.ChangeCause;
import dev.stowage.protocol.WorkspaceEvent.ChunkPromoted;
import dev.stowage.protocol.WorkspaceEvent.EventsMissed;
import dev.stowage.protocol.WorkspaceEvent.ManifestChanged;
import dev.stowage.protocol.WorkspaceEvent.OutboundBacklogChanged;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed ({@code WorkspaceStorage.changes()}, issue 28): every kind of change arrives, one
 * entry's events in the order of its changes; a subscriber that falls behind is told exactly how
 * many events it missed; a close or a failure ends the stream with its event. Local mode runs it in
 * {@code ChangeFeedTest}, cluster mode on two nodes in {@code ClusterSyncEngineTest.Feed}: there the
 * subscriber is on one node and the changes are made through the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ChangeFeedContract {
  private static final Duration WAIT = Duration.ofSeconds(30);

  protected abstract WorkspaceNodes nodes();

  private List<WorkspaceStorage> open(Path dir) {
    return open(dir, "100ms");
  }

  private List<WorkspaceStorage> open(Path dir, String backlogInterval) {
    return nodes().open("feed-" + UUID.randomUUID(), LocalKey.generate(), dir,
        "stowage { cache.max-dirty = 1000, feed.backlog-interval = " + backlogInterval + " }");
  }

  private static FileManifest file(EntryId id, long version, boolean needSync) {
    return new FileManifest(id, EntryId.random(), version, needSync, Instant.now(), 0, 512 * 1024, List.of());
  }

  /** A subscriber's events, collected as they come; {@code done} completes with its stream. */
  private record Subscription(List<WorkspaceEvent> events, CompletionStage<Done> done) {
    List<ManifestChanged> of(EntryId id) {
      return events.stream().filter(e -> e instanceof ManifestChanged m && m.id().equals(id))
          .map(ManifestChanged.class::cast).toList();
    }
  }

  private Subscription subscribe(WorkspaceStorage storage, int buffer) {
    List<WorkspaceEvent> events = new CopyOnWriteArrayList<>();
    CompletionStage<Done> done = storage.changes(buffer).runWith(Sink.foreach(events::add), system());
    return new Subscription(events, done);
  }

  private ActorSystem<?> system() {
    return nodes().systems().get(0);
  }

  private void eventually(Runnable assertion) {
    TestProbe.create(system()).awaitAssert(WAIT, () -> {
      assertion.run();
      return null;
    });
  }

  /**
   * Writes {@code id} through {@code writer} (cache-only, not needing sync) until {@code events}
   * hold one of its events: the subscription is in place (in cluster mode, the other node's relay
   * knows this node's).
   */
  private void awaitSubscribed(List<WorkspaceEvent> events, WorkspaceStorage writer, EntryId id) {
    TestProbe.create(system()).awaitAssert(WAIT, Duration.ofMillis(200), () -> {
      Await.result(writer.setManifest(id, file(id, 0, false), true, Set.of()));
      assertThat(events).anyMatch(e -> e instanceof ManifestChanged m && m.id().equals(id));
      return null;
    });
  }

  private void awaitSubscribed(Subscription subscription, WorkspaceStorage writer) {
    awaitSubscribed(subscription.events(), writer, EntryId.random());
  }

  @Test
  @DisplayName("Feed: every kind of change arrives, and one entry's events come in the order of its changes, cache-only and durable writes mixed")
  void everyChangeArrivesInOrderPerEntry(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir);
    WorkspaceStorage subscriberNode = storages.get(0);
    WorkspaceStorage writer = storages.get(storages.size() - 1);
    Subscription feed = subscribe(subscriberNode, 10_000);
    awaitSubscribed(feed, writer);

    EntryId a = EntryId.random();
    Random random = new Random(7);
    List<Boolean> needSyncs = new ArrayList<>();
    List<CompletionStage<Done>> writes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      boolean needSync = random.nextBoolean();
      needSyncs.add(needSync);
      writes.add(writer.setManifest(a, file(a, i, needSync), random.nextBoolean(), Set.of()));
    }
    writes.forEach(Await::result);
    Await.result(writer.clearManifest(a));

    EntryId fetched = EntryId.random();
    Await.result(writer.populateManifest(fetched, file(fetched, 3, false)));
    EntryId parent = EntryId.random();
    EntryId child = EntryId.random();
    Await.result(writer.updateManifests(List.of(
        new ManifestChange(parent, Optional.empty(), file(parent, 0, true), Set.of()),
        new ManifestChange(child, Optional.empty(), file(child, 0, true), Set.of()))));
    Await.result(writer.updateRealmCheckpoint(5, Map.of(fetched, 9L, EntryId.random(), 9L)));
    ChunkId chunk = ChunkId.random();
    Await.result(writer.setChunk(chunk, new byte[10]));
    Await.result(writer.promoteChunkToBlock(chunk));

    eventually(() -> {
      assertThat(feed.of(a)).hasSize(41);
      assertThat(feed.of(fetched)).hasSize(2);
      assertThat(feed.events()).contains(new ChunkPromoted(chunk));
    });
    List<ManifestChanged> expected = new ArrayList<>();
    needSyncs.forEach(needSync -> expected.add(new ManifestChanged(a, needSync, ChangeCause.LOCAL_WRITE)));
    expected.add(new ManifestChanged(a, false, ChangeCause.CLEARED));
    assertThat(feed.of(a)).as("the events of one entry, in the order of its changes").isEqualTo(expected);
    assertThat(feed.of(fetched)).containsExactly(new ManifestChanged(fetched, false, ChangeCause.POPULATE),
        new ManifestChanged(fetched, true, ChangeCause.CHECKPOINT));
    assertThat(feed.of(parent)).containsExactly(new ManifestChanged(parent, true, ChangeCause.TRANSACTION));
    assertThat(feed.of(child)).containsExactly(new ManifestChanged(child, true, ChangeCause.TRANSACTION));
    assertThat(feed.events()).noneMatch(EventsMissed.class::isInstance);
    storages.forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("Feed: a durable write's event comes once it is committed; a reader acting on an event reads that value or a later one")
  void anEventComesOnceItsChangeIsVisible(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir);
    WorkspaceStorage subscriberNode = storages.get(0);
    WorkspaceStorage writer = storages.get(storages.size() - 1);
    List<String> problems = new CopyOnWriteArrayList<>();
    EntryId id = EntryId.random();
    List<WorkspaceEvent> seen = new CopyOnWriteArrayList<>();
    // On each event of the entry, read it: the value must be at least as new as the one the event is about.
    CompletionStage<Done> done = subscriberNode.changes(10_000)
        .mapAsync(1, event -> {
          seen.add(event);
          if (event instanceof ManifestChanged changed && changed.id().equals(id)) {
            return subscriberNode.getManifest(id).thenApply(value -> {
              long events = seen.stream().filter(e -> e instanceof ManifestChanged m && m.id().equals(id)).count();
              if (value.baseVersion() < events - 1) {
                problems.add("event " + events + " read version " + value.baseVersion());
              }
              return event;
            });
          }
          return CompletableFuture.completedFuture(event);
        })
        .runWith(Sink.ignore(), system());
    Subscription feed = new Subscription(seen, done);
    awaitSubscribed(feed, writer);
    for (int version = 0; version < 30; version++) {
      Await.result(writer.setManifest(id, file(id, version, true)));
    }
    eventually(() -> assertThat(feed.of(id)).hasSize(30));
    assertThat(problems).isEmpty();
    storages.forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("Feed: a subscriber that falls behind misses events, is told how many (EventsMissed), and nothing is dropped silently; the workspace does not wait for it")
  void aSlowSubscriberIsToldWhatItMissed(@TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, "1h"); // no backlog events: every event is a write's
    WorkspaceStorage subscriberNode = storages.get(0);
    WorkspaceStorage writer = storages.get(storages.size() - 1);
    CompletableFuture<Void> release = new CompletableFuture<>();
    List<WorkspaceEvent> events = new CopyOnWriteArrayList<>();
    // One entry throughout, so that its events keep their order in both modes: written until the
    // subscriber sees it (subscribed), then cleared (the gate: the subscriber stops taking events
    // once it takes the clear's), then written 200 times while the subscriber does not take any.
    EntryId id = EntryId.random();
    ManifestChanged gate = new ManifestChanged(id, false, ChangeCause.CLEARED);
    CompletionStage<Done> done = subscriberNode.changes(4)
        .mapAsync(1, event -> {
          events.add(event);
          return events.contains(gate) ? release.thenApply(ignored -> event) : CompletableFuture.completedFuture(event);
        })
        .addAttributes(Attributes.inputBuffer(1, 1))
        .runWith(Sink.ignore(), system());
    awaitSubscribed(events, writer, id);
    Await.result(writer.clearManifest(id));
    int writes = 200;
    for (int i = 0; i < writes; i++) {
      Await.result(writer.setManifest(id, file(id, i, true), true, Set.of()));
    }
    release.complete(null);
    eventually(() -> {
      assertThat(events).contains(gate);
      List<WorkspaceEvent> afterGate = events.subList(events.indexOf(gate) + 1, events.size());
      long received = afterGate.stream().filter(e -> e instanceof ManifestChanged m && m.id().equals(id)).count();
      long missed = afterGate.stream().filter(EventsMissed.class::isInstance).mapToLong(e -> ((EventsMissed) e).count())
          .sum();
      assertThat(missed).as("events dropped for the slow subscriber, and told").isPositive();
      // Every write after the gate is received or counted where it was dropped: none is lost untold.
      assertThat(received + missed).as("received %d, missed %d; after the gate: %s", received, missed,
          afterGate.stream().filter(e -> !(e instanceof ManifestChanged)).toList()).isEqualTo(writes);
      assertThat(received).isLessThan(writes);
    });
    Subscription fresh = subscribe(subscriberNode, 1000);
    awaitSubscribed(fresh, writer);
    assertThat(fresh.events()).as("another subscriber is not affected").noneMatch(EventsMissed.class::isInstance);
    storages.forEach(storage -> Await.result(storage.close()));
    Await.result(done);
  }

  @Test
  @DisplayName("Feed: closing the workspace ends the stream with WorkspaceClosed; a subscription after the close gets it at once")
  void aCloseEndsTheStream(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir);
    WorkspaceStorage subscriberNode = storages.get(0);
    Subscription feed = subscribe(subscriberNode, 100);
    awaitSubscribed(feed, storages.get(storages.size() - 1));
    Await.result(subscriberNode.close());
    Await.result(feed.done());
    assertThat(feed.events().get(feed.events().size() - 1)).isEqualTo(new WorkspaceEvent.WorkspaceClosed());
    Subscription late = subscribe(subscriberNode, 100);
    Await.result(late.done());
    assertThat(late.events()).containsExactly(new WorkspaceEvent.WorkspaceClosed());
    storages.subList(1, storages.size()).forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("INV-6, feed: a workspace that fails ends the stream with WorkspaceFailed, naming why")
  void aFailureEndsTheStream(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir);
    WorkspaceStorage subscriberNode = storages.get(0);
    Subscription feed = subscribe(subscriberNode, 100);
    awaitSubscribed(feed, storages.get(storages.size() - 1));
    subscriberNode.supervisor().<Object>unsafeUpcast().tell(new GatewayEvent.Failed("data",
        new StorageFailedException("the disk is full (injected by the test)")));
    Await.result(feed.done());
    WorkspaceEvent last = feed.events().get(feed.events().size() - 1);
    assertThat(last).isInstanceOf(WorkspaceEvent.WorkspaceFailed.class);
    assertThat(((WorkspaceEvent.WorkspaceFailed) last).reason()).contains("the disk is full");
    Subscription late = subscribe(subscriberNode, 100);
    Await.result(late.done());
    assertThat(late.events()).hasSize(1).first().isInstanceOf(WorkspaceEvent.WorkspaceFailed.class);
    Await.failure(subscriberNode.close());
    storages.subList(1, storages.size()).forEach(storage -> Await.result(storage.close()));
  }

  @Test
  @DisplayName("Feed: while someone subscribes, the outbound backlog is emitted when it changes")
  void theBacklogIsEmittedWhenItChanges(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir);
    WorkspaceStorage subscriberNode = storages.get(0);
    WorkspaceStorage writer = storages.get(storages.size() - 1);
    Subscription feed = subscribe(subscriberNode, 1000);
    awaitSubscribed(feed, writer);
    ChunkId chunk = ChunkId.random();
    Await.result(writer.setChunk(chunk, new byte[300]));
    EntryId id = EntryId.random();
    Await.result(writer.setManifest(id, file(id, 0, true)));
    eventually(() -> assertThat(feed.events())
        .contains(new OutboundBacklogChanged(new SyncBacklog(1, 300))));
    Await.result(writer.setManifest(id, file(id, 1, false)));
    Await.result(writer.promoteChunkToBlock(chunk));
    eventually(() -> assertThat(feed.events())
        .contains(new OutboundBacklogChanged(new SyncBacklog(0, 0))));
    storages.forEach(storage -> Await.result(storage.close()));
  }
}
