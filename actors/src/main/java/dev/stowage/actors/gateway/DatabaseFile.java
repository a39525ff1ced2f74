package dev.stowage.actors.gateway;

import dev.stowage.actors.common.InOrder;
import dev.stowage.actors.common.PlainFutures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/**
 * The actors of one database file holding a store of type {@code S}, for its owner (used on the
 * owner's thread only): the file's one writing {@link DbGateway}, the {@link DbReader}s beside it,
 * and the order in which requests reach the writer ({@link InOrder}). Readers take turns; with none
 * (yet), reads go to the writer. Every ref is typed by the store, so work for another file's store
 * cannot be sent here.
 */
public final class DatabaseFile<S> {
  private final String name;
  private final ActorRef<GatewayCommand<S>> writer;
  private final List<ActorRef<GatewayCommand<S>>> readers = new ArrayList<>();
  private final InOrder toWriter = new InOrder();
  private final Scheduler scheduler;
  private final Duration timeout;
  private int nextReader;

  public DatabaseFile(String name, ActorRef<GatewayCommand<S>> writer, Scheduler scheduler, Duration timeout) {
    this.name = name;
    this.writer = writer;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  /** How the file is named in messages and logs: "workspace 'w' data database". */
  public String name() {
    return name;
  }

  public ActorRef<GatewayCommand<S>> writer() {
    return writer;
  }

  void addReader(ActorRef<GatewayCommand<S>> reader) {
    readers.add(reader);
  }

  /** A reader, in turn; the writer if there is none. */
  public ActorRef<GatewayCommand<S>> reader() {
    if (readers.isEmpty()) {
      return writer;
    }
    return readers.get(Math.floorMod(nextReader++, readers.size()));
  }

  public List<ActorRef<GatewayCommand<S>>> readers() {
    return List.copyOf(readers);
  }

  /** Sends to the writer behind the requests that arrived before this one, or at once to a reader. */
  public void send(ActorRef<GatewayCommand<S>> gateway, Runnable request) {
    if (gateway.equals(writer)) {
      toWriter.send(request);
    } else {
      request.run();
    }
  }

  /** Runs {@code operation} on {@code gateway} (in order, if the writer); it answers {@code replyTo}. */
  public <R> void execute(ActorRef<GatewayCommand<S>> gateway, StoreOperation<S, R> operation,
      ActorRef<StatusReply<R>> replyTo) {
    send(gateway, () -> gateway.tell(new GatewayCommand.Run<>(operation, replyTo)));
  }

  /** Runs {@code operation} on the writer, behind the requests that arrived before it. */
  public <R> void toWriter(StoreOperation<S, R> operation, ActorRef<StatusReply<R>> replyTo) {
    execute(writer, operation, replyTo);
  }

  public <R> CompletionStage<R> ask(ActorRef<GatewayCommand<S>> gateway, StoreOperation<S, R> operation) {
    return ask(gateway, replyTo -> new GatewayCommand.Run<>(operation, replyTo));
  }

  /** Asks {@code gateway}, behind the requests that arrived before this one (see {@link #send}). */
  public <R> CompletionStage<R> ask(
      ActorRef<GatewayCommand<S>> gateway, Function<ActorRef<StatusReply<R>>, GatewayCommand<S>> request) {
    CompletableFuture<R> answer = new CompletableFuture<>();
    send(gateway, () -> PlainFutures.relay(AskPattern.askWithStatus(gateway, request::apply, timeout, scheduler), answer));
    return answer;
  }

  /** Keeps the place of a write whose request is not ready yet (being sealed). */
  public InOrder.Slot reserve() {
    return toWriter.reserve();
  }

  public void fill(InOrder.Slot slot, Runnable request) {
    toWriter.fill(slot, request);
  }

  /** Closes the readers; each answers {@code replyTo}. */
  public void closeReaders(ActorRef<StatusReply<Done>> replyTo) {
    for (ActorRef<GatewayCommand<S>> reader : readers) {
      reader.tell(new GatewayCommand.Close<>(replyTo));
    }
  }

  /**
   * Closes the writer behind everything sent to it; it answers {@code replyTo}. Closed after its
   * readers, it is the file's last connection: it checkpoints the WAL into the file and removes it,
   * so a closed workspace is its database files alone.
   */
  public void closeWriter(ActorRef<StatusReply<Done>> replyTo) {
    toWriter.send(() -> writer.tell(new GatewayCommand.Close<>(replyTo)));
  }
}
