package dev.stowage.actors.workspace;

import dev.stowage.actors.entity.EntityCommand;
import dev.stowage.actors.entity.HoldReply;
import dev.stowage.actors.entity.ManifestBackend;
import dev.stowage.actors.facade.EntityDirectory;
import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.storage.DataStore;
import java.util.List;
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
    if (!directory.tellLive(hold.id(), hold, supervisor.narrow())) {
      supervisor.tell(hold);
    }
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
          for (HoldReply.Held entry : held) {
            ManifestBackend.Flush write = entry.write();
            store.putManifest(entry.id(), write.baseVersion(), write.needSync(), write.sealed(), write.removedChunkIds());
          }
          return Done.getInstance();
        });
  }
}
