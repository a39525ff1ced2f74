package dev.stowage.actors.entity;

import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.Replies;
import dev.stowage.actors.common.WorkspaceHealth;
import dev.stowage.actors.entity.EntityCommand.Lifecycle;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageFailedException;
import dev.stowage.storage.BlobCipher;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.pattern.StatusReply;

/**
 * The cached value of one manifest, and the only code that reads or writes it: the actor is the
 * per-key lock. Every command on its id passes through it in order.
 *
 * <p>Where the value is loaded from and flushed to is a {@link ManifestBackend}, and who runs and
 * stops the entity an {@link EntityHost}: local mode (a {@link dev.stowage.actors.workspace.LocalEntityPool} and the data
 * {@link dev.stowage.actors.gateway.DbGateway}) and cluster mode (a shard of Cluster Sharding and a durable-state store) run
 * this same state machine.
 *
 * <h2>State</h2>
 *
 * <ul>
 *   <li>{@code value}: the manifest as the cache knows it, {@code null} for absent (never stored,
 *       or cleared). It is authoritative once {@code known}: after a load, or after any write.
 *   <li>{@code version}: a counter bumped by every write (set or clear). {@code sentVersion} is the
 *       newest version sent to the backend, {@code persistedVersion} the newest whose commit
 *       succeeded. The entry is <em>dirty</em> while {@code version > persistedVersion}.
 *   <li>{@code pendingRemoved}: chunk ids to delete with the next flush (INV-2); they stay
 *       readable until that flush commits.
 * </ul>
 *
 * <h2>Loading (INV-4)</h2>
 *
 * The first read (or clear) of an unknown entry asks the backend for the stored row and stashes
 * reads meanwhile. Writes do not wait: a blind write needs no old value. A load result is used only
 * if nothing was written while it was in flight; otherwise the newer cached value stays, and the
 * stashed reads see it.
 *
 * <h2>Flushing (INV-3)</h2>
 *
 * A flush sends the current value (serialized and encrypted here, not on the gateway thread), its
 * version and the pending removed ids to the backend as one write. On success the entry is marked clean only if
 * {@code version} is still the flushed one: a write during the flush, even of an equal manifest
 * that only adds removed ids, keeps it dirty. A version is never sent twice; flushes of newer
 * versions may follow one another without waiting, since the backend commits them in order.
 * Durable writes flush at once and are answered when their version is persisted; cache-only
 * writes are answered at once and flushed on ensure, passivation, max-dirty, clearMemoryCache or
 * close.
 *
 * <h2>Hot reads</h2>
 *
 * Every value the entity accepts is published in the workspace's {@link PublishedManifests}, which
 * the façade reads without a message: a write publishes before it is answered, a load only if it
 * won its race (INV-4), and a clear, a discard, a failure and the stop unpublish before they are
 * answered or reported. Reads served there are counted as activity before the entity asks to be
 * passivated. Before answering anything, the entity checks the workspace's {@link
 * WorkspaceHealth}: once a gateway has failed, no command succeeds, cached reads included (INV-6).
 *
 * <h2>Lifecycle</h2>
 *
 * Idle for {@code entity.passivate-after}, the entity asks its host to passivate it. On the
 * host's {@code FLUSH_AND_STOP} it flushes if dirty, waits for every flush in flight (and a
 * load in flight) and stops; with {@code DISCARD_AND_STOP} it drops what was not yet sent. The
 * host buffers commands for a stopping entity and hands them to its successor (INV-18). After
 * a backend failure it answers everything with {@link StorageFailedException} and never writes
 * again (INV-6); the host decides whether it stops.
 */
public final class ManifestEntity extends AbstractBehavior<Object> {

  private record GatewayFailed(Throwable cause) {}

  /** The value of this version does not encode ({@link #cannotStore}). */
  private record Unstorable(StorageFailedException cause) {}

  private enum IdleCheck {
    INSTANCE
  }

  private enum Stopping {
    NO,
    FLUSH,
    DISCARD
  }

  /** The entity of {@code id}, stored through {@code backend} and run by {@code host}. */
  public static Behavior<Object> create(
      EntryId id,
      ManifestBackend backend,
      BlobCipher cipher,
      EntityHost host,
      Duration passivateAfter,
      EntityWorkspace workspace) {
    return Behaviors.setup(context -> {
      context.setLoggerName(ManifestEntity.class); // before the timer below logs (Pekko would name it ActorCell)
      return Behaviors.withStash(Integer.MAX_VALUE, stash -> Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay(IdleCheck.INSTANCE, idleCheckInterval(passivateAfter));
        return new ManifestEntity(context, stash, id, backend, cipher, host, passivateAfter, workspace);
      }));
    });
  }

  private static Duration idleCheckInterval(Duration passivateAfter) {
    Duration half = passivateAfter.dividedBy(2);
    return half.isZero() ? Duration.ofMillis(1) : half;
  }

  private final StashBuffer<Object> stash;
  private final EntryId id;
  private final ManifestBackend backend;
  private final ManifestSealing sealing;
  private final EntityHost host;
  private final long passivateAfterNanos;
  private final ActorRef<StatusReply<ManifestBackend.Reply>> backendReplies;
  private final PublishedManifests published;
  /** This entity's value in {@link #published}, withdrawn only if still its own. */
  private final PublishedManifests.Publication publication;
  private final WorkspaceHealth workspaceFailure;
  /**
   * Whether a sent flush is as good as stored for what the host asks the database next (the
   * backend runs later reads after it, see {@link ManifestBackend#ordersLaterReadsAfterFlushes()}):
   * then only unsent changes make the entry dirty, and a durable write is never reported at all.
   */
  private final boolean sentIsSettled;

  private LocalManifest value;
  private boolean known;
  private CorruptEntryException corrupt;
  private boolean loading;

  private long version;
  private long sentVersion;
  private long persistedVersion;
  private final Set<ChunkId> pendingRemoved = new LinkedHashSet<>();
  /** Durable writers and ensures, by the version that answers them. */
  private final VersionWaiters waiters = new VersionWaiters();
  /** JFR events of the load and the flushes in flight, while a recording wants them. */
  private final EntityRecording recording;

  private final EntityDirtyReport dirtyReport;
  private long lastActivityNanos = System.nanoTime();
  private boolean idleReported;
  private Stopping stopping = Stopping.NO;

  private ManifestEntity(
      ActorContext<Object> context,
      StashBuffer<Object> stash,
      EntryId id,
      ManifestBackend backend,
      BlobCipher cipher,
      EntityHost host,
      Duration passivateAfter,
      EntityWorkspace workspace) {
    super(context);
    this.published = workspace.published();
    this.publication = published.publication(id);
    this.workspaceFailure = workspace.failure();
    this.sentIsSettled = backend.ordersLaterReadsAfterFlushes();
    this.stash = stash;
    this.id = id;
    this.recording = new EntityRecording(id);
    this.dirtyReport = new EntityDirtyReport(id, host);
    this.backend = backend;
    this.sealing = new ManifestSealing(id, cipher);
    this.host = host;
    this.passivateAfterNanos = passivateAfter.toNanos();
    this.backendReplies = Replies.adapter(context, reply -> reply.isSuccess()
        ? reply.getValue()
        : new GatewayFailed(reply.getError()));
    host.started(context.getSelf(), id);
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(GetManifest.class, this::onGet)
        .onMessage(SetManifest.class, this::onSet)
        .onMessage(EnsureManifestPersistent.class, this::onEnsure)
        .onMessage(ClearManifest.class, this::onClear)
        .onMessage(ManifestBackend.Loaded.class, this::onLoaded)
        .onMessage(ManifestBackend.Flushed.class, this::onFlushed)
        .onMessageEquals(Lifecycle.FLUSH, this::onFlush)
        .onMessageEquals(Lifecycle.FLUSH_AND_STOP, () -> onStop(Stopping.FLUSH))
        .onMessageEquals(Lifecycle.DISCARD_AND_STOP, () -> onStop(Stopping.DISCARD))
        .onMessageEquals(Lifecycle.ASK_HOST_TO_STOP, this::onAskHostToStop)
        .onMessageEquals(Lifecycle.DISCARD_AND_ASK_HOST_TO_STOP, this::onDiscardAndAskHostToStop)
        .onMessageEquals(IdleCheck.INSTANCE, this::onIdleCheck)
        .onMessage(GatewayFailed.class, this::onBackendFailed)
        .onMessage(Unstorable.class, this::onUnstorable)
        .onMessage(EntityCommand.Fail.class, failure -> fail(failure.cause(), true))
        .onSignal(PostStop.class, signal -> {
          publication.withdraw(); // before the host learns that this entity stopped
          host.stopped(getContext().getSelf(), id);
          return this;
        })
        .build();
  }

  /** Answers {@code command} with the workspace's failure, if it failed; whether it did. */
  private boolean refusedAfterFailure(ManifestCommand command) {
    StorageException failure = workspaceFailure.forNextCall();
    if (failure == null) {
      return false;
    }
    Replies.error(command, failure);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  private Behavior<Object> onGet(GetManifest command) {
    touch();
    if (refusedAfterFailure(command)) {
      return this;
    }
    if (known) {
      command.replyTo().tell(value != null
          ? StatusReply.success(value)
          : StatusReply.error(EntryMissingException.manifest(id)));
    } else if (corrupt != null) {
      command.replyTo().tell(StatusReply.error(corrupt));
    } else {
      stash.stash(command);
      load();
    }
    return this;
  }

  private Behavior<Object> onSet(SetManifest command) {
    touch();
    if (refusedAfterFailure(command)) {
      return this;
    }
    value = command.manifest();
    known = true;
    corrupt = null;
    version++;
    publication.publish(value);
    pendingRemoved.addAll(command.removedChunkIds());
    if (command.cacheOnly()) {
      reportDirtyState();
      command.replyTo().tell(StatusReply.ack());
    } else {
      flushAnswering(command.replyTo()); // reports the dirty state: with a backend that orders reads after it, none
    }
    return this;
  }

  private Behavior<Object> onEnsure(EnsureManifestPersistent command) {
    touch();
    if (refusedAfterFailure(command)) {
      return this;
    }
    flush();
    waiters.await(version, persistedVersion, command.replyTo());
    return this;
  }

  private Behavior<Object> onClear(ClearManifest command) {
    touch();
    if (refusedAfterFailure(command)) {
      return this;
    }
    if (!known && corrupt == null) {
      stash.stash(command); // whether it exists is in the database
      load();
      return this;
    }
    if (known && value == null) {
      command.replyTo().tell(StatusReply.error(EntryMissingException.manifest(id)));
      return this;
    }
    // Cached, or stored but unreadable: delete it, with its pending removed chunks, in one write.
    value = null;
    publication.withdraw();
    known = true;
    corrupt = null;
    version++;
    flushAnswering(command.replyTo());
    return this;
  }

  private Behavior<Object> onFlush() {
    flush();
    return this;
  }

  private Behavior<Object> onStop(Stopping how) {
    stopping = how;
    if (how == Stopping.DISCARD) {
      discardUnsent();
    } else {
      flush();
    }
    return stopIfDone();
  }

  private Behavior<Object> onAskHostToStop() {
    host.passivate(getContext().getSelf(), id);
    return this;
  }

  private Behavior<Object> onDiscardAndAskHostToStop() {
    discardUnsent();
    // Until the host stops it, reads see no discarded value: the successor loads the stored one.
    value = null;
    known = false;
    return onAskHostToStop();
  }

  private void discardUnsent() {
    // Writes not yet sent are dropped with their removed ids. Durable writes and ensures were
    // sent when they arrived, so no waiter depends on what is dropped. Reads must not be served
    // a dropped value: from now on they ask (and the host buffers them for a successor).
    publication.withdraw();
    pendingRemoved.clear();
    version = sentVersion;
    dirtyReport.forget(); // the host forgot this entry's dirty state when it asked
  }

  private Behavior<Object> onIdleCheck() {
    if (published.takeReadMark(id, PublishedManifests.READ_SINCE_IDLE_CHECK)) {
      touch(); // reads served from the published value count as activity
    }
    if (!idleReported && stopping == Stopping.NO && System.nanoTime() - lastActivityNanos >= passivateAfterNanos) {
      idleReported = true;
      host.passivate(getContext().getSelf(), id);
    }
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  private void load() {
    if (loading) {
      return;
    }
    loading = true;
    recording.loadSent();
    backend.load(id, backendReplies);
  }

  private Behavior<Object> onLoaded(ManifestBackend.Loaded loaded) {
    loading = false;
    boolean used = false;
    if (!known) { // INV-4: a value written while the load was in flight is newer than the row
      if (loaded.sealed().isEmpty()) {
        value = null;
        known = true;
        used = true;
      } else {
        try {
          value = sealing.open(loaded.sealed().get());
          known = true;
          publication.publish(value);
          used = true;
        } catch (CorruptEntryException e) {
          getContext().getLog().warn("manifest {} is corrupt: {}", id, e.getMessage());
          corrupt = e;
        }
      }
    }
    recording.loaded(loaded.sealed().isPresent(), used);
    Behavior<Object> next = stash.unstashAll(this);
    return next == this ? stopIfDone() : next;
  }

  // ---------------------------------------------------------------------------------------------
  // Flushing

  /**
   * Flushes a new version whose writer waits for it: the backend answers the writer itself on the
   * commit if it can (one hop less), the entity otherwise.
   */
  private void flushAnswering(ActorRef<StatusReply<Done>> writer) {
    if (backend.answersWriters()) {
      flush(writer);
    } else {
      waiters.await(version, persistedVersion, writer);
      flush(null);
    }
  }

  /** Sends the current value (or its deletion) if this version was not sent yet. */
  private void flush() {
    flush(null);
  }

  private void flush(ActorRef<StatusReply<Done>> writer) {
    if (version == sentVersion) {
      return;
    }
    byte[] sealed = null;
    if (value != null) {
      try {
        sealed = sealing.seal(value);
      } catch (RuntimeException e) {
        cannotStore(e, writer);
        return;
      }
    }
    List<ChunkId> removed = List.copyOf(pendingRemoved);
    pendingRemoved.clear();
    ManifestBackend.Flush flush = value != null
        ? new ManifestBackend.Flush(version, sealed, value.baseVersion(), value.needSync(), removed, writer)
        : new ManifestBackend.Flush(version, null, 0, false, removed, writer);
    backend.flush(id, flush, backendReplies);
    sentVersion = version;
    reportDirtyState();
    recording.flushSent(version, flush.deletes() ? 0 : flush.sealed().length, removed.size(), flush.deletes());
  }

  /**
   * The value accepted does not encode: the checks at the call ({@link
   * dev.stowage.protocol.ManifestLimits}) let through something the codec refuses. A bug, but not
   * one that may lose an acknowledged write in silence: the failure is recorded first (no later call
   * succeeds), the writer and every waiter hear it, and the host fails the workspace or this entity
   * ({@link EntityHost#cannotStore}). Nothing of this version was sent.
   */
  private void cannotStore(RuntimeException error, ActorRef<StatusReply<Done>> writer) {
    StorageFailedException cause = new StorageFailedException("manifest " + id
        + " was accepted but cannot be stored (a bug in Stowage's checks of what it accepts: please report it): "
        + error.getMessage(), error);
    getContext().getLog().error("{}", cause.getMessage(), error);
    workspaceFailure.record(cause);
    if (writer != null) {
      writer.tell(StatusReply.error(cause));
    }
    getContext().getSelf().tell(new Unstorable(cause)); // a command handler called this: the next message fails it
  }

  private Behavior<Object> onUnstorable(Unstorable unstorable) {
    Behavior<Object> failing = fail(unstorable.cause(), false);
    host.cannotStore(getContext().getSelf(), id, unstorable.cause());
    return failing;
  }

  private Behavior<Object> onFlushed(ManifestBackend.Flushed flushed) {
    persistedVersion = Math.max(persistedVersion, flushed.version());
    recording.persisted(persistedVersion);
    if (!sentIsSettled && version > persistedVersion) {
      dirtyReport.forget(); // still dirty after a flush: tell the host again, it may flush it again
    }
    // The host hears "clean" before the writers hear "done": whatever a writer asks the host next
    // (stats, need-sync) is ordered after it.
    reportDirtyState();
    waiters.persisted(persistedVersion);
    return stopIfDone();
  }

  /**
   * Tells the supervisor when the entry becomes dirty or clean, or its need-sync changes (INV-5).
   * Dirty means changed and not yet settled: not yet sent, or (with a backend that does not order
   * later reads after flushes) not yet persisted.
   */
  private void reportDirtyState() {
    if (stopping == Stopping.DISCARD) {
      return;
    }
    dirtyReport.update(version > (sentIsSettled ? sentVersion : persistedVersion), value);
  }

  private Behavior<Object> stopIfDone() {
    boolean nothingInFlight = persistedVersion == sentVersion && !loading;
    if (stopping != Stopping.NO && nothingInFlight && version == persistedVersion) {
      return Behaviors.stopped();
    }
    return this;
  }

  private void touch() {
    lastActivityNanos = System.nanoTime();
  }

  // ---------------------------------------------------------------------------------------------
  // Failure

  private Behavior<Object> onBackendFailed(GatewayFailed failed) {
    Behavior<Object> failing = fail(FailedEntity.asStorageFailure(failed.cause()), false);
    host.backendFailed(getContext().getSelf(), id);
    return failing;
  }

  /**
   * The database failed: answer every waiter and stashed command, and from now on answer every
   * command with the failure. Nothing is ever written again (INV-6).
   */
  private Behavior<Object> fail(StorageException cause, boolean stopNow) {
    publication.withdraw();
    waiters.fail(cause);
    Behavior<Object> failing = FailedEntity.create(cause);
    stash.unstashAll(failing);
    return stopNow ? Behaviors.stopped() : failing;
  }

}
