package dev.stowage.bench.workloads;

import java.util.concurrent.CompletionStage;

/** One operation of a client: what the {@link Driver} times. */
@FunctionalInterface
public interface ClientOp {
  /**
   * Starts the operation and returns its stage without waiting for it.
   *
   * @param client the client's index, from 0
   * @param seq the operation's sequence number (see {@link Phase})
   */
  CompletionStage<?> call(int client, long seq) throws Exception;
}
