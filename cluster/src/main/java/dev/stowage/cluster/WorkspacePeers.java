package dev.stowage.cluster;

import dev.stowage.actors.common.PlainFutures;
import dev.stowage.actors.common.StatusReplies;
import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.actors.workspace.NeedSyncOverlay;
import dev.stowage.protocol.CborSerializable;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;

/**
 * Need-sync and {@code clearMemoryCache} for a whole workspace in cluster mode: they reach the
 * entities of every node that hosts the workspace's entities, not only the calling node's.
 *
 * <ul>
 *   <li><b>Which nodes.</b> The shard coordinator's regions of the workspace's entity type ({@code
 *       GetCurrentRegions}): Cluster Sharding places an entity only on a node whose region it
 *       knows, so no node that can host one is left out, and no node without the workspace is
 *       asked.
 *   <li><b>How.</b> Every node runs one actor of this class, at {@code /system/} {@value #NAME},
 *       from the start of cluster mode on that node. It hands a request for a workspace to that
 *       node's supervisors of it (one, or two while a close and a later open overlap) and answers
 *       once they all have; a node with the workspace no longer open answers at once (it hosts
 *       none of its entities).
 *   <li><b>Need-sync</b> lays over the stored rows the dirty entries that every node's entities
 *       last reported (INV-5), gathered before the rows are read: an entry flushed meanwhile is in
 *       the rows, and one still dirty is in the overlay.
 *   <li><b>clearMemoryCache</b> drains every node's entities (flushing first, or dropping what is
 *       dirty) and completes once every node has reported its entities stopped.
 * </ul>
 *
 * A node that does not answer within three quarters of {@code ask-timeout} (unreachable, not yet
 * downed), or no coordinator known to this node's region within a quarter of it, fails the call with {@link
 * StorageUnavailableException}, before the caller's own ask times out; the workspace stays open.
 */
final class WorkspacePeers {
  static final String NAME = "stowage-workspace-peers";
  private static final Duration REGIONS_POLL = Duration.ofMillis(50);

  /** What one node's peer actor serves to the others; crosses nodes (CBOR). */
  sealed interface Command extends CborSerializable permits CollectDirty, Drain {
    String workspaceId();
  }

  /** The dirty entries of {@code workspaceId} that this node's entities last reported. */
  record CollectDirty(String workspaceId, ActorRef<DirtyEntries> replyTo) implements Command {}

  /** Stop this node's entities of {@code workspaceId}, flushing each first or dropping what it holds dirty. */
  record Drain(String workspaceId, boolean flush, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** One node's dirty entries of a workspace: what each entity last reported. */
  record DirtyEntries(List<DirtyEntry> entries) implements CborSerializable {
    DirtyEntries {
      entries = List.copyOf(entries);
    }
  }

  record DirtyEntry(EntryId id, boolean needSync, boolean deleted) {}

  /** {@link CollectDirty}, as the peer actor hands it to one of its node's supervisors. */
  record LocalCollectDirty(ActorRef<DirtyEntries> replyTo) implements SupervisorMessage {}

  /** {@link Drain}, as the peer actor hands it to one of its node's supervisors. */
  record LocalDrain(boolean flush, ActorRef<StatusReply<Done>> replyTo) implements SupervisorMessage {}

  /** The peer actor of a node: hands each request to {@code supervisors} of its workspace. */
  static Behavior<Command> create(Function<String, Set<ActorRef<SupervisorMessage>>> supervisors,
      Duration timeout) {
    return Behaviors.setup(context -> {
      context.setLoggerName(WorkspacePeers.class);
      ActorSystem<?> system = context.getSystem();
      return Behaviors.receive(Command.class)
          .onMessage(CollectDirty.class, collect -> {
            List<CompletableFuture<DirtyEntries>> parts = new ArrayList<>();
            supervisors.apply(collect.workspaceId()).forEach(supervisor -> parts.add(PlainFutures.of(
                AskPattern.ask(supervisor, LocalCollectDirty::new, timeout, system.scheduler()))));
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
              List<DirtyEntry> all = new ArrayList<>();
              if (error == null) {
                parts.forEach(part -> all.addAll(part.join().entries()));
                collect.replyTo().tell(new DirtyEntries(all));
              } // else no answer: the asking node's own deadline reports it
            });
            return Behaviors.same();
          })
          .onMessage(Drain.class, drain -> {
            List<CompletableFuture<Done>> parts = new ArrayList<>();
            supervisors.apply(drain.workspaceId()).forEach(supervisor -> parts.add(PlainFutures.of(
                AskPattern.askWithStatus(supervisor, replyTo -> new LocalDrain(drain.flush(), replyTo), timeout,
                    system.scheduler()))));
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
              Throwable cause = error == null ? null : StatusReplies.unwrap(error);
              drain.replyTo().tell(cause == null ? StatusReply.ack() : StatusReply.error(cause instanceof StorageException
                  ? cause // what the supervisor answered: the workspace failed there, say
                  : new StorageUnavailableException("workspace '" + drain.workspaceId() + "': a supervisor on node "
                      + Cluster.get(system).selfMember().address() + " did not drain its entities: " + cause)));
            });
            return Behaviors.same();
          })
          .build();
    });
  }

  private final ActorSystem<?> system;
  private final String workspaceId;
  private final Duration timeout;

  /** The asking side, for {@code workspaceId} on this node; its calls may be made from any thread. */
  WorkspacePeers(ActorSystem<?> system, String workspaceId, Duration askTimeout) {
    this.system = system;
    this.workspaceId = workspaceId;
    this.timeout = askTimeout.multipliedBy(3).dividedBy(4);
  }

  /** Adds to {@code overlay} the dirty entries of the workspace's entities on every other node. */
  CompletionStage<NeedSyncOverlay> dirtyElsewhere(NeedSyncOverlay overlay) {
    return otherNodes().thenCompose(nodes -> {
      List<CompletableFuture<DirtyEntries>> answers = new ArrayList<>();
      nodes.forEach(node -> answers.add(ask(node, "report its dirty entries",
          peer -> AskPattern.ask(peer, replyTo -> new CollectDirty(workspaceId, replyTo), timeout, system.scheduler()))));
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> {
        answers.forEach(answer -> answer.join().entries()
            .forEach(entry -> overlay.add(entry.id(), entry.needSync(), entry.deleted())));
        return overlay;
      });
    });
  }

  /** Drains the workspace's entities on every other node; completes once each node has. */
  CompletionStage<Done> drainElsewhere(boolean flush) {
    return otherNodes().thenCompose(nodes -> {
      List<CompletableFuture<Done>> answers = new ArrayList<>();
      nodes.forEach(node -> answers.add(ask(node, flush ? "flush and stop its entities" : "drop and stop its entities",
          peer -> AskPattern.askWithStatus(peer, replyTo -> new Drain(workspaceId, flush, replyTo), timeout,
              system.scheduler()))));
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
    });
  }

  /** The addresses of the regions the coordinator knows; empty while this node's region knows no coordinator. */
  private CompletableFuture<Set<Address>> regions() {
    return regions(system, workspaceId, timeout.dividedBy(3));
  }

  /**
   * The addresses of the regions of {@code workspaceId}'s entities that the coordinator knows; empty
   * while this node's region knows no coordinator.
   */
  static CompletableFuture<Set<Address>> regions(ActorSystem<?> system, String workspaceId, Duration timeout) {
    return PlainFutures.of(Patterns.ask(ManifestIds.classicRegion(system, workspaceId),
            ShardRegion.getCurrentRegionsInstance(), timeout))
        .thenApply(answer -> ((ShardRegion.CurrentRegions) answer).getRegions());
  }

  /**
   * The nodes other than this one whose region of the workspace's entities the coordinator knows.
   * None known means no coordinator known to this node's region yet (the workspace just opened
   * here, or the coordinator moves): another node may then host entities this one cannot name, so
   * it asks again every 50 ms, for a third of the call's budget, before it gives up.
   */
  private CompletionStage<List<Address>> otherNodes() {
    Address self = Cluster.get(system).selfMember().address();
    // a third of the call's budget, the nodes' answers have the rest: the caller hears a typed error in time
    return Polling.until(system, timeout.dividedBy(3), REGIONS_POLL, this::regions,
            (regions, error) -> error != null || regions.isEmpty())
        .handle((regions, error) -> {
          if (error != null || regions.isEmpty()) {
            throw new StorageUnavailableException("workspace '" + workspaceId + "': the shard coordinator, which"
                + " knows the nodes that host its entities, did not answer; retry once the cluster has settled"
                + (error == null ? "" : " (" + error + ")"));
          }
          return regions.stream().filter(node -> !node.equals(self)).toList();
        });
  }

  private <T> CompletableFuture<T> ask(Address node, String what, Function<ActorRef<Command>, CompletionStage<T>> ask) {
    ActorRef<Command> peer = ActorRefResolver.get(system).resolveActorRef(node + "/system/" + NAME);
    return PlainFutures.of(ask.apply(peer)).exceptionallyCompose(error -> {
      Throwable cause = StatusReplies.unwrap(error);
      return CompletableFuture.failedFuture(cause instanceof StorageException
          ? cause
          : new StorageUnavailableException("workspace '" + workspaceId + "': node " + node + " did not " + what
              + " within " + timeout.toMillis() + " ms (unreachable, or not yet downed); retry once the cluster has"
              + " settled", cause));
    });
  }
}
