package dev.stowage.actors.health;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Whether a store the open workspaces depend on can be reached (cluster mode: PostgreSQL), asked
 * by each readiness check while a workspace is open.
 */
@FunctionalInterface
public interface StoreProbe {

  /**
   * Completes with {@link Done} if the store answers, or fails with an exception whose message says
   * why not. Must neither block the caller's thread nor take longer than a health check may (Pekko
   * Management's {@code check-timeout}, 1 s by default): an answer that comes later is reported as
   * the check's timeout, which does not say why.
   */
  CompletionStage<Done> reachable();
}
