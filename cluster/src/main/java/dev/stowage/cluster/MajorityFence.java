package dev.stowage.cluster;

import dev.stowage.actors.facade.RouteFence;
import dev.stowage.protocol.StorageException;
import dev.stowage.protocol.StorageUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Refuses this node's manifest commands while it cannot reach a majority of the cluster, and once
 * it has been downed (a {@link RouteFence}, one per node, shared by its workspaces).
 *
 * <p>Why: on the minority side of a partition, a command for an entity on the other side waits for
 * {@code ask-timeout} and then has an unknown outcome; and an entity on this side may still answer,
 * while the majority is about to host it anew (the split-brain resolver downs this side after
 * {@code stable-after}). Once this node sees that it cannot reach a majority, every call fails at
 * once with {@link StorageUnavailableException}, the calls in flight included: the host learns
 * within the failure detector's pause instead of after {@code ask-timeout}, and this side stops
 * acknowledging anything (the revision check of each stored row is what makes a late
 * acknowledgement of the old side harmless; the fence makes it rare).
 *
 * <p>The rule is the split-brain resolver's {@code keep-majority}, seen from here: of the Up and
 * Leaving members, those this node can reach (itself included) must be more than half, or exactly
 * half with the member of the lowest address among them. A node that is not yet Up (Joining) is
 * never fenced; a node Down, Exiting or Removed always is. When the unreachable members come back
 * before the resolver acts, the fence opens again.
 */
final class MajorityFence implements RouteFence {
  private static final Duration RECHECK = Duration.ofMillis(200);

  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  /** Null while open; else what a call not yet sent gets (nothing was sent). */
  private volatile StorageUnavailableException refusal;
  /** What the calls in flight get when the fence closes: their outcome is unknown. */
  private volatile StorageUnavailableException cutOff;
  /** Why the fence is closed (the watcher's thread only). */
  private String reason;

  /** A fence for {@code system}'s node, kept up to date by an actor of its own. */
  static MajorityFence start(ActorSystem<?> system) {
    MajorityFence fence = new MajorityFence();
    system.systemActorOf(fence.watcher(), "stowage-majority-fence", Props.empty());
    return fence;
  }

  @Override
  public StorageException refusal() {
    return refusal;
  }

  @Override
  public <T> CompletionStage<T> guard(CompletionStage<T> sent) {
    CompletableFuture<T> result = new CompletableFuture<>();
    inFlight.add(result);
    sent.whenComplete((value, error) -> {
      inFlight.remove(result);
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(value);
      }
    });
    if (refusal != null) {
      // Closed while this one was being sent: fail it as the others.
      result.completeExceptionally(cutOff);
      inFlight.remove(result);
    }
    return result;
  }

  /**
   * Looks again at each membership or reachability event, and every {@link #RECHECK}: the view
   * {@code Cluster.state()} reads is updated by a subscriber of its own, which may see an event
   * after this one does.
   */
  private Behavior<Object> watcher() {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(context.getSelf().narrow(), ClusterEvent.ClusterDomainEvent.class));
      timers.startTimerWithFixedDelay(RECHECK, RECHECK);
      return Behaviors.receiveMessage(event -> {
        update(cluster);
        return Behaviors.same();
      });
    }));
  }

  private void update(Cluster cluster) {
    set(minorityReason(cluster.selfMember(), cluster.state()));
  }

  /** Opens the fence ({@code why} null), or closes it for {@code why}, failing the calls in flight if it was open. */
  void set(String why) {
    if (why == null) {
      refusal = null;
      return;
    }
    boolean closing = refusal == null;
    if (!closing && why.equals(reason)) {
      return; // the same reason at a recheck: the exceptions already say it
    }
    reason = why;
    cutOff = new StorageUnavailableException(why + "; the call was in flight, its outcome is unknown: retry it on a"
        + " node of the majority", true);
    refusal = new StorageUnavailableException(why + "; nothing was sent: retry it on a node of the majority", false);
    if (closing) {
      for (CompletableFuture<?> call : new ArrayList<>(inFlight)) {
        call.completeExceptionally(cutOff);
        inFlight.remove(call);
      }
    }
  }

  /** Why this node is fenced, or null if it is not. */
  static String minorityReason(Member self, ClusterEvent.CurrentClusterState state) {
    MemberStatus status = self.status();
    if (status == MemberStatus.down() || status == MemberStatus.exiting() || status == MemberStatus.removed()) {
      return "this node has been downed or is leaving the cluster (" + status + ")";
    }
    if (status != MemberStatus.up() && status != MemberStatus.leaving()) {
      return null;
    }
    List<Member> counted = new ArrayList<>();
    for (Member member : state.getMembers()) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.leaving()) {
        counted.add(member);
      }
    }
    int unreachable = 0;
    Address lowest = null;
    boolean lowestReachable = false;
    for (Member member : counted) {
      boolean reachable = !state.getUnreachable().contains(member);
      if (!reachable) {
        unreachable++;
      }
      if (lowest == null || Member.addressOrdering().compare(member.address(), lowest) < 0) {
        lowest = member.address();
        lowestReachable = reachable;
      }
    }
    int reachable = counted.size() - unreachable;
    if (2 * reachable > counted.size() || 2 * reachable == counted.size() && lowestReachable) {
      return null;
    }
    return "this node cannot reach a majority of the cluster (" + unreachable + " of " + counted.size()
        + " members unreachable): the split-brain resolver will down its side";
  }
}
