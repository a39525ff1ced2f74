package dev.stowage.actors;

import dev.stowage.actors.common.StatusReplies;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;

/**
 * {@link WorkspaceStorage#updateManifests(Set, Function)}: a tree transaction computed from what its
 * entries hold, read again and computed again on each conflict, as Caffeine's {@code compute} is
 * for one key.
 */
final class ManifestUpdates {
  /** How many times a computed transaction is tried before its last conflict is the answer. */
  static final int MAX_ATTEMPTS = 100;

  private ManifestUpdates() {}

  static CompletionStage<Done> compute(WorkspaceStorage storage, Set<EntryId> ids,
      Function<Map<EntryId, Optional<LocalManifest>>, Map<EntryId, LocalManifest>> update) {
    List<EntryId> read;
    try {
      Require.nonNull(ids, "entry ids");
      Require.nonNull(update, "update");
      ids.forEach(id -> Require.nonNull(id, "an element of entry ids"));
      if (ids.isEmpty() || ids.size() > RequestValidation.MAX_CHANGES) {
        throw new InvalidRequestException("a computed tree transaction reads 1 to " + RequestValidation.MAX_CHANGES
            + " entries, not " + ids.size());
      }
      read = List.copyOf(new TreeSet<>(ids));
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    return attempt(storage, read, update, 1);
  }

  private static CompletionStage<Done> attempt(WorkspaceStorage storage, List<EntryId> ids,
      Function<Map<EntryId, Optional<LocalManifest>>, Map<EntryId, LocalManifest>> update, int attempt) {
    List<CompletableFuture<Optional<LocalManifest>>> reads = new ArrayList<>();
    for (EntryId id : ids) {
      reads.add(storage.getManifest(id).toCompletableFuture().handle((value, error) -> {
        if (error == null) {
          return Optional.of(value);
        }
        if (StatusReplies.unwrap(error) instanceof EntryMissingException) {
          return Optional.empty();
        }
        throw error instanceof CompletionException c ? c : new CompletionException(error);
      }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
      Map<EntryId, Optional<LocalManifest>> current = new LinkedHashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        current.put(ids.get(i), reads.get(i).join());
      }
      List<ManifestChange> changes = changes(current, update.apply(Collections.unmodifiableMap(current)));
      if (changes.isEmpty()) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      return storage.updateManifests(changes).handle((done, error) -> {
        if (error == null) {
          return CompletableFuture.completedFuture(done);
        }
        if (StatusReplies.unwrap(error) instanceof ConflictException && attempt < MAX_ATTEMPTS) {
          return attempt(storage, ids, update, attempt + 1);
        }
        return CompletableFuture.<Done>failedFuture(StatusReplies.unwrap(error));
      }).thenCompose(next -> next);
    });
  }

  private static List<ManifestChange> changes(Map<EntryId, Optional<LocalManifest>> current,
      Map<EntryId, LocalManifest> updated) {
    Require.nonNull(updated, "what the update returned");
    List<ManifestChange> changes = new ArrayList<>();
    updated.forEach((id, value) -> {
      if (!current.containsKey(id)) {
        throw new InvalidRequestException("the update returned a value for " + id + ", which it was not given to read:"
            + " name every entry it writes among the ids");
      }
      changes.add(new ManifestChange(id, current.get(id), Require.nonNull(value, "the updated value of " + id),
          Set.of()));
    });
    return changes;
  }
}
