package dev.stowage.actors.workspace;

import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.common.PublishedManifests;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.EntityHost;
import dev.stowage.actors.entity.EntityWorkspace;
import dev.stowage.actors.entity.GatewayManifestBackend;
import dev.stowage.actors.entity.ManifestEntity;
import dev.stowage.actors.facade.EntityDirectory;
import dev.stowage.actors.facade.EntityHandle;
import dev.stowage.actors.facade.FacadeMessage;
import dev.stowage.actors.gateway.WorkspaceDatabases;
import dev.stowage.actors.gateway.DatabaseFile;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageException;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;

/**
 * Local mode's manifest entities of one workspace, children of its supervisor and used on its
 * thread only: which are live, in what order they were last used, and what waits for one.
 *
 * <ul>
 *   <li><b>Passivation and max-active (INV-18).</b> An idle entity asks to stop; the pool marks it
 *       stopping, closes its {@link EntityDirectory} handle, buffers every command for its id,
 *       sends it {@code FLUSH_AND_STOP} once no caller is inside the handle, and delivers the
 *       buffer to a successor once it has terminated. At most {@code entity.max-active} entities
 *       live: a command for a new id beyond that waits until the least recently used entity has
 *       been passivated (one reached or read without the supervisor since it was last considered
 *       gets a second chance). The one exception is a tree transaction's hold, which starts its
 *       entity at once, beyond the limit if it must: a transaction holds all its entries at once,
 *       and the entity a slot waits for may be one it holds. The least recently used are then
 *       passivated until the count is back under the limit, so live entities stay below {@code
 *       max-active} plus the entries of the transactions in flight.
 *   <li><b>Max-dirty and need-sync (INV-5).</b> Entities report becoming dirty (changed and not yet
 *       sent to be written) and clean; the {@link DirtyTracker} holds both rules: past {@code
 *       cache.max-dirty} the oldest live ones are asked to flush, and their need-sync is laid over
 *       the database's answer to a need-sync query.
 *   <li><b>Stopping them all</b>: for {@code clearMemoryCache} (successors start for later
 *       commands), for close (none starts again) and on failure (they stop without writing).
 * </ul>
 */
final class LocalEntityPool {

  /** A watched entity terminated. */
  private record EntityStopped(EntryId id) implements SupervisorMessage {}

  private static final class EntitySlot {
    final ActorRef<Object> ref;
    /** How callers reach the entity without the supervisor (see {@link EntityDirectory}). */
    EntityHandle handle;
    boolean stopping;
    /** Started for a transaction's hold while every slot was taken: it counts beyond max-active. */
    boolean beyondLimit;
    /** The stop (or Fail) to send once the last caller inside the closed handle has left. */
    Object pendingStop;
    /** Manifest commands and transactions' holds for the successor. */
    List<Object> buffer = List.of();

    EntitySlot(ActorRef<Object> ref) {
      this.ref = ref;
    }

    void buffer(Object command) {
      if (buffer.isEmpty()) {
        buffer = new ArrayList<>();
      }
      buffer.add(command);
    }
  }

  private final ActorContext<Object> context;
  private final StorageSettings settings;
  private final BlobCipher cipher;
  private final EntityWorkspace shared;
  private final WorkspaceDatabases gateways;
  private final DispatcherSelector entityDispatcher;
  /** Shared with the façade: the live entities it may reach without the supervisor. */
  private final EntityDirectory directory = EntityDirectory.create();

  /** Live entities, stopping ones included. */
  private final Map<EntryId, EntitySlot> entities = new HashMap<>();
  /** The ids of {@link #entities}, least recently routed to first. */
  private final LinkedHashSet<EntryId> leastRecentlyUsed = new LinkedHashSet<>();
  private int stoppingEntities;
  /** Live entities started beyond max-active for transactions' holds ({@link EntitySlot#beyondLimit}). */
  private int beyondLimit;
  /** Commands for ids that wait for an entity slot (max-active reached), oldest id first. */
  private final LinkedHashMap<EntryId, List<Object>> waitingForSlot = new LinkedHashMap<>();
  /** Max-dirty and the need-sync overlay (INV-5). */
  private final DirtyTracker dirty;
  /** clearMemoryCache calls waiting for the entities they stop. */
  private final StopWaiters<EntryId, Consumer<StatusReply<Done>>> clearWaiters = new StopWaiters<>();
  /** Once closing: what answers commands for a stopping entity, and who waits for the last to stop. */
  private StorageException closedRefusal;
  private Consumer<StatusReply<Done>> allStopped;
  private StorageException failure;

  LocalEntityPool(ActorContext<Object> context, StorageSettings settings, BlobCipher cipher,
      EntityWorkspace shared, WorkspaceDatabases gateways) {
    this.context = context;
    this.settings = settings;
    this.cipher = cipher;
    this.shared = shared;
    this.gateways = gateways;
    this.dirty = new DirtyTracker(settings.maxDirty());
    this.entityDispatcher = DispatcherSelector.fromConfig(settings.dispatcher());
  }

  /**
   * The slots of max-active taken: the live entities but those started beyond it for transactions'
   * holds. A command waiting for a slot gets one when this falls below max-active, however many
   * holds keep starting entities meanwhile (they would otherwise starve it).
   */
  private int occupied() {
    return entities.size() - beyondLimit;
  }

  EntityDirectory directory() {
    return directory;
  }

  int live() {
    return entities.size();
  }

  DirtyTracker dirty() {
    return dirty;
  }

  /** Handles one of the pool's messages; {@code refusal} answers a command the façade sent here while not open. */
  boolean onMessage(SupervisorMessage message, StorageException refusal) {
    if (message instanceof EntityHost.Dirty reported) {
      onDirty(reported);
    } else if (message instanceof EntityHost.Clean clean) {
      dirty.forget(clean.id());
    } else if (message instanceof EntityHost.Idle idle) {
      EntitySlot slot = entities.get(idle.id());
      if (slot != null && !slot.stopping && failure == null && closedRefusal == null) {
        stop(slot, EntityCommand.Lifecycle.FLUSH_AND_STOP);
      }
    } else if (message instanceof EntityStopped stopped) {
      onEntityStopped(stopped.id());
    } else if (message instanceof FacadeMessage.Drained drained) {
      onDrained(drained);
    } else if (message instanceof FacadeMessage.ViaSupervisor via) {
      onViaSupervisor(via.command(), refusal);
    } else if (message instanceof EntityCommand.Hold hold) {
      if (refusal != null) {
        hold.refuse(refusal);
      } else {
        route(hold);
      }
    } else {
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  void route(ManifestCommand command) {
    route(command.id(), command);
  }

  /** A transaction of one change goes to its entity as a manifest command does (it waits for a slot like one). */
  void route(EntityCommand.Update update) {
    route(update.id(), update);
  }

  /** A tree transaction's hold goes to its entity as a manifest command does. */
  private void route(EntityCommand.Hold hold) {
    route(hold.id(), hold);
  }

  /** Sends {@code command} (a manifest command or a hold) to the entity of {@code id}, starting it if it must. */
  private void route(EntryId id, Object command) {
    EntitySlot slot = entities.get(id);
    if (slot != null) {
      leastRecentlyUsed.remove(id);
      leastRecentlyUsed.add(id);
      if (slot.stopping && command instanceof EntityCommand.Hold hold && !hold.waits()) {
        // its stop may wait for a transaction that waits for this one: a hold that must not wait says busy
        hold.busy();
      } else if (slot.stopping) {
        slot.buffer(command);
      } else {
        slot.ref.tell(command);
      }
      return;
    }
    List<Object> waiting = waitingForSlot.get(id);
    if (command instanceof EntityCommand.Hold) {
      // A transaction holds all its entries at once, however many: its hold never waits for a slot,
      // which an entity it holds may be the one to free (it stops only once the transaction ends).
      List<Object> first = new ArrayList<>(waiting != null ? waitingForSlot.remove(id) : List.of());
      first.add(command);
      boolean beyond = occupied() >= settings.maxActive();
      start(id, first).beyondLimit = beyond;
      beyondLimit += beyond ? 1 : 0;
      makeRoom();
    } else if (waiting != null) {
      waiting.add(command);
    } else if (occupied() < settings.maxActive()) {
      start(id, List.of(command));
    } else {
      waiting = new ArrayList<>();
      waiting.add(command);
      waitingForSlot.put(id, waiting);
      makeRoom();
    }
  }

  /**
   * A manifest command the façade counted on its way here: route it (or refuse it), then uncount
   * it. The façade checked it ({@link dev.stowage.actors.RequestValidation}) before it sent it: not again here, where
   * a manifest's names would be walked a second time.
   */
  private void onViaSupervisor(ManifestCommand command, StorageException refusal) {
    try {
      if (refusal != null) {
        EntityCommand.refuse(command, refusal);
      } else {
        route(command);
      }
    } finally {
      directory.routed(command.id());
    }
  }

  /**
   * Spawns the entity of {@code id}, sends it {@code first}, and only then lets callers reach it
   * directly: whatever they send comes after those commands.
   */
  private EntitySlot start(EntryId id, List<Object> first) {
    DatabaseFile<DataStore> data = gateways.data();
    ActorRef<Object> ref = context.spawn(
        ManifestEntity.create(id, new GatewayManifestBackend(data.writer(), data.reader()), cipher,
            EntityHost.supervisor(context.getSelf().narrow()), settings.passivateAfter(), shared),
        "m-" + id, entityDispatcher);
    context.watchWith(ref, new EntityStopped(id));
    EntitySlot slot = new EntitySlot(ref);
    entities.put(id, slot);
    leastRecentlyUsed.add(id);
    first.forEach(ref::tell);
    slot.handle = directory.publish(id, ref.narrow());
    return slot;
  }

  /**
   * Passivates least recently used entities until every waiting id will have a slot. An entity
   * whose published value served reads since it was last considered gets a second chance: those
   * reads never passed through here, so the order alone does not know them.
   */
  private void makeRoom() {
    int needed = makeRoom(entities.size() - stoppingEntities + waitingForSlot.size() - settings.maxActive(), true);
    if (needed > 0) {
      makeRoom(needed, false); // every candidate was read meanwhile: the least recently used of them go
    }
  }

  /** One pass over the LRU order; returns how many slots are still needed. */
  private int makeRoom(int needed, boolean secondChance) {
    List<EntryId> readMeanwhile = new ArrayList<>();
    for (Iterator<EntryId> lru = leastRecentlyUsed.iterator(); needed > 0 && lru.hasNext(); ) {
      EntryId id = lru.next();
      EntitySlot slot = entities.get(id);
      if (slot.stopping) {
        continue;
      }
      if (secondChance && (slot.handle.takeUsed()
          | shared.published().takeReadMark(id, PublishedManifests.READ_SINCE_LRU_CHECK))) {
        lru.remove();
        readMeanwhile.add(id);
        continue;
      }
      stop(slot, EntityCommand.Lifecycle.FLUSH_AND_STOP);
      needed--;
    }
    leastRecentlyUsed.addAll(readMeanwhile); // most recently used now
    return needed;
  }

  private void fillFreeSlots() {
    Iterator<Map.Entry<EntryId, List<Object>>> waiting = waitingForSlot.entrySet().iterator();
    while (occupied() < settings.maxActive() && waiting.hasNext()) {
      Map.Entry<EntryId, List<Object>> next = waiting.next();
      waiting.remove();
      start(next.getKey(), next.getValue());
    }
    if (!waitingForSlot.isEmpty()) {
      makeRoom();
    }
  }

  private void onDirty(EntityHost.Dirty reported) {
    dirty.reported(reported.id(), reported.needSync(), reported.deleted());
    // Past max-dirty the oldest are asked to flush: those with a live entity to ask.
    for (EntryId id : dirty.overMax(entities::containsKey)) {
      entities.get(id).ref.tell(EntityCommand.Lifecycle.FLUSH);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stopping

  private void stop(EntitySlot slot, EntityCommand.Lifecycle how) {
    slot.stopping = true;
    stoppingEntities++;
    stopWhenDrained(slot, how);
  }

  /**
   * Closes the entity's handle and sends {@code how} once no caller is inside it (INV-18): every
   * command a caller sent it directly is then in its mailbox ahead of the stop.
   */
  private void stopWhenDrained(EntitySlot slot, Object how) {
    if (slot.handle.close()) {
      slot.ref.tell(how);
    } else {
      slot.pendingStop = how;
    }
  }

  private void onDrained(FacadeMessage.Drained drained) {
    EntitySlot slot = entities.get(drained.id());
    if (slot != null && slot.handle == drained.handle() && slot.pendingStop != null) {
      slot.ref.tell(slot.pendingStop);
      slot.pendingStop = null;
    }
  }

  private void onEntityStopped(EntryId id) {
    EntitySlot slot = entities.remove(id);
    if (slot == null) {
      return;
    }
    leastRecentlyUsed.remove(id);
    directory.remove(id, slot.handle);
    if (slot.beyondLimit) {
      beyondLimit--;
    }
    if (slot.stopping) {
      stoppingEntities--;
    }
    dirty.forget(id);
    clearWaiters.stopped(id).forEach(done -> done.accept(StatusReply.ack()));
    if (failure != null) {
      slot.buffer.forEach(command -> EntityCommand.refuse(command, failure));
    } else if (closedRefusal != null) {
      slot.buffer.forEach(command -> EntityCommand.refuse(command, closedRefusal));
      if (entities.isEmpty() && allStopped != null) {
        allStopped.accept(StatusReply.ack());
        allStopped = null;
      }
    } else {
      if (!slot.buffer.isEmpty()) { // INV-18: what arrived while it stopped goes to its successor
        start(id, slot.buffer);
      }
      fillFreeSlots();
    }
  }

  /** clearMemoryCache: every live entity stops (flushing, or dropping what is dirty: INV-11). */
  void clear(boolean flush, Consumer<StatusReply<Done>> done) {
    Set<EntryId> affected = new HashSet<>();
    for (Map.Entry<EntryId, EntitySlot> entry : entities.entrySet()) {
      affected.add(entry.getKey());
      if (!entry.getValue().stopping) {
        stop(entry.getValue(), flush ? EntityCommand.Lifecycle.FLUSH_AND_STOP : EntityCommand.Lifecycle.DISCARD_AND_STOP);
      }
    }
    if (!flush) {
      affected.forEach(dirty::forget); // INV-11: their dirty values are dropped, unwritten
    }
    if (!clearWaiters.await(affected, done)) {
      done.accept(StatusReply.ack());
    }
  }

  /** Close (INV-10): every entity flushes and stops; none starts again. */
  void stopAll(StorageException refusal, Consumer<StatusReply<Done>> done) {
    closedRefusal = refusal;
    waitingForSlot.values().forEach(commands -> commands.forEach(command -> EntityCommand.refuse(command, refusal)));
    waitingForSlot.clear();
    for (EntitySlot slot : entities.values()) {
      if (!slot.stopping) {
        stop(slot, EntityCommand.Lifecycle.FLUSH_AND_STOP);
      }
    }
    if (entities.isEmpty()) {
      done.accept(StatusReply.ack());
    } else {
      allStopped = done;
    }
  }

  /** INV-6: every entity stops without writing; everything waiting is answered with {@code cause}. */
  void failAll(StorageException cause) {
    failure = cause;
    EntityCommand.Fail stopWithoutWriting = new EntityCommand.Fail(cause);
    for (EntitySlot slot : entities.values()) {
      if (slot.pendingStop != null) {
        slot.pendingStop = stopWithoutWriting; // still draining: fail instead of the stop it waits for
      } else if (slot.stopping) {
        slot.ref.tell(stopWithoutWriting); // drained and told to stop already
      } else {
        stopWhenDrained(slot, stopWithoutWriting);
      }
      slot.buffer.forEach(command -> EntityCommand.refuse(command, cause));
      slot.buffer = List.of();
    }
    waitingForSlot.values().forEach(commands -> commands.forEach(command -> EntityCommand.refuse(command, cause)));
    waitingForSlot.clear();
    clearWaiters.takeAll().forEach(done -> done.accept(StatusReply.error(cause)));
    if (allStopped != null) {
      allStopped.accept(StatusReply.error(cause));
      allStopped = null;
    }
  }
}
