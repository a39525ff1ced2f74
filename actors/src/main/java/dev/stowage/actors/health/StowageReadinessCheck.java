package dev.stowage.actors.health;

import dev.stowage.actors.common.StatusReplies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Stowage's readiness check for Pekko Management. This module's {@code reference.conf} registers it
 * as {@code pekko.management.health-checks.readiness-checks.stowage}, as Cluster Sharding registers
 * its own, so a host that runs Pekko Management has it on {@code /ready} without a line of its own;
 * a host that does not run it is not affected (Stowage does not depend on Pekko Management: the
 * contract is a constructor taking the classic ActorSystem and this {@link Supplier}).
 *
 * <p>Not ready, with a failed stage whose {@link StowageNotReadyException} names each reason (Pekko
 * Management shows the message on {@code /ready}; a plain {@code false} would only name this class):
 *
 * <ul>
 *   <li>while any workspace open in this ActorSystem has failed (INV-6: every call on it fails until
 *       the host closes it or opens it again). A workspace that is closed, or was opened again,
 *       counts no more;
 *   <li>while a workspace is open and a store it depends on does not answer ({@link StoreProbe};
 *       cluster mode: PostgreSQL, with a {@code SELECT 1} on the node's pool). With no workspace
 *       open, Stowage serves nothing on this node, and the stores are not asked.
 * </ul>
 *
 * <p>Liveness: Stowage registers no liveness check, and a host should not make one of this. A failed
 * workspace, a full disk or a PostgreSQL outage is not cured by restarting the process: the
 * workspace is closed and opened again in the running process (PostgreSQL's pools reconnect by
 * themselves), and a liveness failure would have an orchestrator kill a node that still serves its
 * other workspaces, over and over while PostgreSQL is down. What restarting would cure, a
 * dispatcher that no longer runs anything, already shows as Pekko Management's own endpoint not
 * answering.
 */
public final class StowageReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final OpenWorkspaces registry;

  /** Made by Pekko Management, once per ActorSystem, with the classic ActorSystem. */
  public StowageReadinessCheck(org.apache.pekko.actor.ActorSystem system) {
    this(OpenWorkspaces.get(Adapter.toTyped(system)));
  }

  StowageReadinessCheck(OpenWorkspaces registry) {
    this.registry = registry;
  }

  /** True if ready; else a failed stage saying why. Never blocks: the stores answer on their own threads. */
  @Override
  public CompletionStage<Boolean> get() {
    List<OpenWorkspaces.Workspace> workspaces = registry.workspaces();
    List<String> reasons = new ArrayList<>();
    for (OpenWorkspaces.Workspace workspace : workspaces) {
      if (workspace.health().failed()) {
        reasons.add("workspace '" + workspace.workspaceId() + "' has failed (" + workspace.health().cause().getMessage()
            + "); every call on it fails until it is closed or opened again");
      }
    }
    if (workspaces.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    List<CompletableFuture<String>> stores = registry.stores().stream().map(StowageReadinessCheck::problemOf).toList();
    // completed, not thrown from a callback: a CompletionException around it would prefix its message
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    CompletableFuture.allOf(stores.toArray(CompletableFuture[]::new)).whenComplete((all, never) -> {
      stores.stream().map(CompletableFuture::join).filter(problem -> problem != null).forEach(reasons::add);
      if (reasons.isEmpty()) {
        answer.complete(true);
      } else {
        answer.completeExceptionally(new StowageNotReadyException("Stowage is not ready: " + String.join("; ", reasons)));
      }
    });
    return answer;
  }

  /** What is wrong with {@code store}, or null if it answers. */
  private static CompletableFuture<String> problemOf(OpenWorkspaces.Store store) {
    CompletionStage<?> reachable;
    try {
      reachable = store.probe().reachable();
    } catch (RuntimeException e) {
      reachable = CompletableFuture.failedFuture(e);
    }
    return reachable.handle((done, error) -> error == null ? (String) null
        : store.name() + " is unreachable: " + StatusReplies.unwrap(error).getMessage()).toCompletableFuture();
  }
}
