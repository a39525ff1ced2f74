package dev.stowage.actors.workspace;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.actors.facade.EntityDirectory;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.DataStore;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Where local mode's tree transactions hold and commit ({@link LocalTransactionRuns}): a hold goes straight to its entity if it is live and may be
 * reached directly ({@link EntityDirectory}), else through the supervisor to its {@link
 * LocalEntityPool}, which routes it as a manifest command (starting the entity, buffering behind a
 * passivation); the commit is one write on the data gateway, so its rows commit in one SQLite
 * transaction (its group commit may add other writes to that transaction, never split it), in the
 * gateway's order: after every flush the entities sent before they were held.
 */
final class LocalTransactions {
  private final ActorRef<Object> supervisor;
  private final ActorRef<GatewayCommand<DataStore>> writer;
  private final EntityDirectory directory;

  LocalTransactions(ActorRef<Object> supervisor, ActorRef<GatewayCommand<DataStore>> writer, EntityDirectory directory) {
    this.supervisor = supervisor;
    this.writer = writer;
    this.directory = directory;
  }

  /** Sends {@code hold} to the entity of its id, starting it if it must. */
  void hold(EntityCommand.Hold hold) {
    directory.tell(hold.id(), hold, supervisor);
  }

  /**
   * Commits the staged writes of {@code held} in one write of the data writer, which runs {@code
   * outcome} on its own thread as it commits (null: committed, else the failure), then answers
   * {@code caller}: no answer comes back to the coordinator.
   */
  void commit(List<HoldReply.Held> held, ActorRef<StatusReply<Done>> caller, Consumer<Throwable> outcome) {
    writer.tell(new GatewayCommand.Run<>(commitOf(held), null, caller, outcome));
  }

  private static StoreOperation<DataStore, Done> commitOf(List<HoldReply.Held> held) {
    return new StoreOperation<>(StoreOperation.Mode.WRITE, "commit a tree transaction of " + held.size() + " manifests",
        store -> {
          requireAbsent(store, held);
          for (HoldReply.Held entry : held) {
            ManifestBackend.Flush write = entry.write();
            store.putManifest(entry.id(), write.baseVersion(), write.needSync(), write.sealed(), write.removedChunkIds());
          }
          return Done.getInstance();
        });
  }

  /**
   * The entries an entity took as absent without loading them ({@link HoldReply.Held#absenceUnchecked})
   * must have no row: otherwise the transaction is refused before anything is written, and the
   * data writer goes on with the rest of its batch. Only this entry's entity writes its row, so
   * what is stored now was stored when it took the hold.
   */
  private static void requireAbsent(DataStore store, List<HoldReply.Held> held) {
    Set<EntryId> present = new TreeSet<>();
    for (HoldReply.Held entry : held) {
      if (entry.absenceUnchecked() && store.vlobs().get(entry.id()).isPresent()) {
        present.add(entry.id());
      }
    }
    if (!present.isEmpty()) {
      throw new ConflictException(present);
    }
  }
}
