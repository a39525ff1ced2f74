package dev.stowage.actors.entity;

import dev.stowage.actors.gateway.GatewayCommand;
import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.DataStore;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Local mode's {@link ManifestBackend}: the workspace's data {@link dev.stowage.actors.gateway.DbGateway}. A flush writes the
 * manifest and deletes its removed chunks in one transaction (INV-2); the gateway's mailbox keeps
 * flushes in order and group commit shares one commit between them.
 *
 * <p>A load may go to a {@link dev.stowage.actors.gateway.DbReader} instead: it needs the last commit only, since an entity
 * loads once, when it starts, and its predecessor stopped only after its last flush committed.
 */
public final class GatewayManifestBackend implements ManifestBackend {
  private final ActorRef<GatewayCommand<DataStore>> gateway;
  private final ActorRef<GatewayCommand<DataStore>> loads;

  /** Loads and flushes through the one {@code gateway}. */
  public GatewayManifestBackend(ActorRef<GatewayCommand<DataStore>> gateway) {
    this(gateway, gateway);
  }

  /** Flushes through {@code gateway}, loads through {@code loads} (a reader of the same file). */
  public GatewayManifestBackend(ActorRef<GatewayCommand<DataStore>> gateway, ActorRef<GatewayCommand<DataStore>> loads) {
    this.gateway = gateway;
    this.loads = loads;
  }

  /** The gateway answers a durable writer on the commit that holds its write. */
  @Override
  public boolean answersWriters() {
    return true;
  }

  /** The need-sync query goes to the same gateway, whose mailbox runs in order. */
  @Override
  public boolean ordersLaterReadsAfterFlushes() {
    return true;
  }

  /** The data writer checks before it writes a transaction's rows ({@code LocalTransactions}). */
  @Override
  public boolean commitChecksAbsence() {
    return true;
  }

  @Override
  public void load(EntryId id, ActorRef<StatusReply<ManifestBackend.Reply>> replyTo) {
    loads.tell(new GatewayCommand.Run<>(StoreOperation.<DataStore, ManifestBackend.Reply>read("load manifest " + id,
        store -> new Loaded(store.vlobs().get(id))), replyTo));
  }

  /** A read on the writer: its mailbox runs it after every write sent before it, in the batch that holds them. */
  @Override
  public void settle(EntryId id, ActorRef<StatusReply<ManifestBackend.Reply>> replyTo) {
    gateway.tell(new GatewayCommand.Run<>(StoreOperation.<DataStore, ManifestBackend.Reply>read("settle manifest " + id,
        store -> new Settled(store.vlobs().get(id))), replyTo));
  }

  @Override
  public void flush(EntryId id, Flush flush, ActorRef<StatusReply<ManifestBackend.Reply>> replyTo) {
    StoreOperation.Body<DataStore, ManifestBackend.Reply> body = flush.deletes()
        ? store -> {
          store.deleteManifest(id, flush.removedChunkIds());
          return new Flushed(flush.version());
        }
        : store -> {
          store.putManifest(id, flush.baseVersion(), flush.needSync(), flush.sealed(), flush.removedChunkIds());
          return new Flushed(flush.version());
        };
    gateway.tell(new GatewayCommand.Run<>(
        new StoreOperation<>(StoreOperation.Mode.WRITE, "flush manifest " + id, body), replyTo, flush.writer()));
  }
}
