package dev.stowage.app.demo;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.Sizes;
import dev.stowage.protocol.SyncBacklog;
import dev.stowage.protocol.WorkspaceEvent;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * What the demo's UI would show: a subscriber of the workspace's change feed (through node 0),
 * counting its events by kind and keeping the last outbound backlog it was told. {@link #line()}
 * says it in one line, once a second during the run.
 */
final class DemoFeed {
  private final AtomicLong manifests = new AtomicLong();
  private final AtomicLong promoted = new AtomicLong();
  private final AtomicLong backlogs = new AtomicLong();
  private final AtomicLong missed = new AtomicLong();
  private final AtomicReference<SyncBacklog> backlog = new AtomicReference<>();
  private final AtomicReference<WorkspaceEvent> last = new AtomicReference<>();
  private final CompletionStage<Done> done;

  DemoFeed(WorkspaceStorage storage, ActorSystem<?> system) {
    this.done = storage.changes().runWith(Sink.foreach(this::count), system);
  }

  private void count(WorkspaceEvent event) {
    last.set(event);
    if (event instanceof WorkspaceEvent.ManifestChanged) {
      manifests.incrementAndGet();
    } else if (event instanceof WorkspaceEvent.ChunkPromoted) {
      promoted.incrementAndGet();
    } else if (event instanceof WorkspaceEvent.OutboundBacklogChanged changed) {
      backlogs.incrementAndGet();
      backlog.set(changed.backlog());
    } else if (event instanceof WorkspaceEvent.EventsMissed events) {
      missed.addAndGet(events.count());
    }
  }

  /** "feed: 1,204 manifest changes, 12 chunks promoted, 0 missed; to upload: 40 entries, 20.0 MiB". */
  String line() {
    SyncBacklog now = backlog.get();
    return String.format("feed: %,d manifest changes, %,d chunks promoted, %,d missed; to upload: %s",
        manifests.get(), promoted.get(), missed.get(),
        now == null ? "not known yet" : String.format("%,d entries, %s", now.pendingEntries(),
            Sizes.human(now.pendingBytes())));
  }

  /** The same, short enough to stand beside the progress bar: "feed 1,204 ev; up 40/20.0 MiB". */
  String shortLine() {
    SyncBacklog now = backlog.get();
    long lost = missed.get();
    return String.format("feed %,d ev%s; up %s", manifests.get() + promoted.get(),
        lost == 0 ? "" : String.format(" (%,d missed)", lost),
        now == null ? "?" : String.format("%,d/%s", now.pendingEntries(), Sizes.human(now.pendingBytes())));
  }

  /** The summary's line, once the workspace closed and the feed ended. */
  String summary() {
    WorkspaceEvent end = last.get();
    return String.format("%,d manifest changes, %,d chunks promoted, %,d backlog updates, %,d missed; it ended with %s",
        manifests.get(), promoted.get(), backlogs.get(), missed.get(),
        end == null ? "nothing" : end.getClass().getSimpleName());
  }

  CompletionStage<Done> done() {
    return done;
  }
}
