package dev.stowage.actors.entity;

import dev.stowage.protocol.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.pattern.StatusReply;

/**
 * An entity's durable writers and ensures that wait for a version of its entry to be persisted,
 * by the version that answers them. Confined to its entity.
 */
final class VersionWaiters {
  private final TreeMap<Long, List<Consumer<StatusReply<Done>>>> waiting = new TreeMap<>();

  /** {@code replyTo} is answered once {@code awaited} is persisted: at once if it is already. */
  void await(long awaited, long persisted, Consumer<StatusReply<Done>> replyTo) {
    if (awaited <= persisted) {
      replyTo.accept(StatusReply.ack());
    } else {
      waiting.computeIfAbsent(awaited, v -> new ArrayList<>(1)).add(replyTo);
    }
  }

  /** Every version up to {@code persisted} is persisted: its waiters are answered. */
  void persisted(long persisted) {
    Map<Long, List<Consumer<StatusReply<Done>>>> answered = waiting.headMap(persisted, true);
    answered.values().forEach(replies -> replies.forEach(replyTo -> replyTo.accept(StatusReply.ack())));
    answered.clear();
  }

  /** Nothing will be persisted any more: every waiter gets {@code cause}. */
  void fail(StorageException cause) {
    waiting.values().forEach(replies -> replies.forEach(replyTo -> replyTo.accept(StatusReply.error(cause))));
    waiting.clear();
  }
}
