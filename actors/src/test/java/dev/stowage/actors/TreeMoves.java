package dev.stowage.actors;

import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A tree of folders and files changed by tree transactions, and what must hold of it (the move
 * invariant of SPEC §6b): movers move a file between two folders (three manifests), creators add
 * files (two), readers read pairs of entries.
 *
 * <p>Every value a transaction writes carries the transaction's number (in {@code updated}, as
 * nanoseconds) and a per-entry counter one above the value it replaces (in {@code baseVersion}); each
 * transaction's writes are registered before it is sent. A reader that read an entry written by
 * transaction {@code t}, then another entry {@code t} wrote, must read a counter at least {@code t}'s:
 * otherwise it saw the transaction half applied. At the end, every file is in exactly one folder,
 * which its {@code parent} names, every acknowledged create exists, and every file holds the value of
 * its last acknowledged move.
 */
public final class TreeMoves {
  public final List<EntryId> folders = new ArrayList<>();
  public final List<EntryId> files = new CopyOnWriteArrayList<>();
  private final EntryId root = EntryId.random();
  private final AtomicLong transactions = new AtomicLong();
  /** Per transaction, the counter it writes to each of its entries. */
  private final Map<Long, Map<EntryId, Long>> written = new ConcurrentHashMap<>();
  /** Per file, the highest counter an acknowledged transaction wrote to it. */
  private final Map<EntryId, Long> acknowledged = new ConcurrentHashMap<>();
  /**
   * Per file, the counters of moves sent and not known to have failed: in flight, or failed without
   * saying whether they committed (a node crashed). The file may hold any of them.
   */
  private final Map<EntryId, Set<Long>> uncertain = new ConcurrentHashMap<>();
  /** Whether a move that fails (other than by a conflict) is counted and retried, as a host retries across a crash. */
  private final boolean retryFailures;
  public final AtomicLong conflicts = new AtomicLong();
  public final AtomicLong failures = new AtomicLong();
  public final AtomicLong moves = new AtomicLong();
  final AtomicLong creates = new AtomicLong();
  final AtomicLong pairsRead = new AtomicLong();
  /** What readers saw that a transaction taking effect at one instant never shows. */
  final List<String> violations = new CopyOnWriteArrayList<>();

  /** A tree whose every failure but a conflict fails the test. */
  public TreeMoves() {
    this(false);
  }

  /** {@code retryFailures}: moves that fail otherwise than by a conflict are retried (a node crashes meanwhile). */
  public TreeMoves(boolean retryFailures) {
    this.retryFailures = retryFailures;
  }

  /** A transaction failed otherwise than by a conflict: whether it committed is unknown. */
  static final class Failed extends RuntimeException {
    Failed(Throwable cause) {
      super(cause);
    }
  }

  /** {@code folderCount} folders, {@code filesPerFolder} files in each, created by transactions. */
  public void create(WorkspaceStorage storage, int folderCount, int filesPerFolder) {
    for (int i = 0; i < folderCount; i++) {
      EntryId folder = EntryId.random();
      long tx = register(Map.of(folder, 1L));
      commit(storage, List.of(ManifestChange.create(folder(folder, 1, tx, Map.of()))));
      folders.add(folder);
    }
    Random random = new Random(7);
    for (EntryId folder : folders) {
      for (int i = 0; i < filesPerFolder; i++) {
        createFile(storage, folder, random, false);
      }
    }
  }

  /** Adds a file to {@code folderId} in one transaction with its parent; retries on conflict. */
  void createFile(WorkspaceStorage storage, EntryId folderId, Random random, boolean count) {
    EntryId file = EntryId.random();
    for (int attempt = 0; attempt < 1_000; attempt++) {
      FolderManifest folder = (FolderManifest) read(storage, folderId).orElseThrow();
      Map<String, EntryId> children = new HashMap<>(folder.children());
      children.put(name(file), file);
      long tx = register(Map.of(folderId, folder.baseVersion() + 1, file, 1L));
      try {
        commit(storage, List.of(ManifestChange.replace(folder, folder(folderId, folder.baseVersion() + 1, tx, children)),
            ManifestChange.create(file(file, folderId, 1, tx))));
        acknowledged.put(file, 1L);
        files.add(file);
        if (count) {
          creates.incrementAndGet();
        }
        return;
      } catch (ConflictException e) {
        conflicts.incrementAndGet();
        LockSupport.parkNanos(random.nextInt(200_000));
      }
    }
    throw new AssertionError("a create of a file in " + folderId + " conflicted 1,000 times");
  }

  /**
   * Moves a random file to another random folder, in one transaction of three changes ({@code
   * separateWrites}: as three durable writes, which the readers must catch); retries on conflict.
   */
  public void moveOne(WorkspaceStorage storage, Random random, boolean separateWrites) {
    moveOne(storage, random, separateWrites, () -> retryFailures);
  }

  /** {@link #moveOne}, retrying a move that fails otherwise than by a conflict while {@code retrying} says so. */
  public void moveOne(WorkspaceStorage storage, Random random, boolean separateWrites, BooleanSupplier retrying) {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      EntryId fileId = files.get(random.nextInt(files.size()));
      FileManifest file;
      FolderManifest from;
      FolderManifest to;
      EntryId toId = folders.get(random.nextInt(folders.size()));
      try {
        file = (FileManifest) read(storage, fileId).orElseThrow();
        from = (FolderManifest) read(storage, file.parent()).orElseThrow();
        to = toId.equals(from.id()) ? null : (FolderManifest) read(storage, toId).orElseThrow();
      } catch (Failed e) {
        if (!retrying.getAsBoolean()) {
          throw new AssertionError("a read failed with " + e.getCause(), e.getCause());
        }
        failures.incrementAndGet();
        LockSupport.parkNanos(50_000_000);
        continue;
      }
      if (to == null) {
        continue;
      }
      if (!fileId.equals(from.children().get(name(fileId)))) {
        conflicts.incrementAndGet(); // read between two moves of the file: read again
        continue;
      }
      Map<String, EntryId> fromChildren = new HashMap<>(from.children());
      fromChildren.remove(name(fileId));
      Map<String, EntryId> toChildren = new HashMap<>(to.children());
      toChildren.put(name(fileId), fileId);
      long tx = register(Map.of(from.id(), from.baseVersion() + 1, toId, to.baseVersion() + 1,
          fileId, file.baseVersion() + 1));
      FolderManifest fromAfter = folder(from.id(), from.baseVersion() + 1, tx, fromChildren);
      FolderManifest toAfter = folder(toId, to.baseVersion() + 1, tx, toChildren);
      FileManifest fileAfter = file(fileId, toId, file.baseVersion() + 1, tx);
      if (separateWrites) {
        Await.result(storage.setManifest(toId, toAfter));
        LockSupport.parkNanos(2_000_000);
        Await.result(storage.setManifest(from.id(), fromAfter));
        Await.result(storage.setManifest(fileId, fileAfter));
        moves.incrementAndGet();
        acknowledged.merge(fileId, fileAfter.baseVersion(), Math::max);
        return;
      }
      Set<Long> inFlight = uncertain.computeIfAbsent(fileId, id -> ConcurrentHashMap.newKeySet());
      inFlight.add(fileAfter.baseVersion());
      try {
        commit(storage, List.of(ManifestChange.replace(from, fromAfter), ManifestChange.replace(to, toAfter),
            ManifestChange.replace(file, fileAfter)));
        moves.incrementAndGet();
        acknowledged.merge(fileId, fileAfter.baseVersion(), Math::max);
        inFlight.remove(fileAfter.baseVersion());
        return;
      } catch (ConflictException e) {
        inFlight.remove(fileAfter.baseVersion()); // nothing was changed
        conflicts.incrementAndGet();
        LockSupport.parkNanos(random.nextInt(200_000));
      } catch (Failed e) {
        if (!retrying.getAsBoolean()) {
          throw new AssertionError("a move failed with " + e.getCause(), e.getCause());
        }
        failures.incrementAndGet(); // it may have committed: the file may hold this counter (it stays uncertain)
        LockSupport.parkNanos(50_000_000);
      }
    }
    throw new AssertionError("a move conflicted or failed 1,000 times");
  }

  /**
   * Reads two random entries one after the other; if the first holds a transaction's value and that
   * transaction wrote the second too, the second must hold that value or a later one.
   */
  void readPair(WorkspaceStorage storage, Random random) {
    EntryId first = any(random);
    EntryId second = any(random);
    Optional<LocalManifest> a = read(storage, first);
    Optional<LocalManifest> b = read(storage, second);
    pairsRead.incrementAndGet();
    if (a.isEmpty()) {
      return;
    }
    long tx = a.get().updated().getNano() + a.get().updated().getEpochSecond() * 1_000_000_000L;
    Long expectedAtLeast = written.getOrDefault(tx, Map.of()).get(second);
    if (expectedAtLeast != null && !first.equals(second)
        && (b.isEmpty() || b.get().baseVersion() < expectedAtLeast)) {
      violations.add("read " + first + " as written by transaction " + tx + ", then " + second + " at counter "
          + b.map(LocalManifest::baseVersion).orElse(-1L) + ", below the " + expectedAtLeast + " that transaction"
          + " wrote to it: the transaction was seen half applied");
    }
  }

  private EntryId any(Random random) {
    return random.nextInt(3) == 0 ? folders.get(random.nextInt(folders.size())) : files.get(random.nextInt(files.size()));
  }

  /** The final state: every problem found (empty if the tree is whole). */
  public List<String> problems(WorkspaceStorage storage) {
    List<String> problems = new ArrayList<>(violations);
    Map<EntryId, EntryId> listedIn = new HashMap<>();
    for (EntryId folderId : folders) {
      FolderManifest folder = (FolderManifest) read(storage, folderId).orElseThrow();
      for (EntryId child : folder.children().values()) {
        EntryId before = listedIn.put(child, folderId);
        if (before != null) {
          problems.add("file " + child + " is listed in two folders, " + before + " and " + folderId);
        }
      }
    }
    for (EntryId fileId : files) {
      Optional<LocalManifest> value = read(storage, fileId);
      if (value.isEmpty()) {
        problems.add("file " + fileId + " was acknowledged and is missing");
        continue;
      }
      FileManifest file = (FileManifest) value.get();
      if (!file.parent().equals(listedIn.get(fileId))) {
        problems.add("file " + fileId + " names folder " + file.parent() + " and is listed in " + listedIn.get(fileId));
      }
      if (file.baseVersion() != acknowledged.get(fileId)
          && !uncertain.getOrDefault(fileId, Set.of()).contains(file.baseVersion())) {
        problems.add("file " + fileId + " holds counter " + file.baseVersion() + ", its last acknowledged write wrote "
            + acknowledged.get(fileId));
      }
    }
    if (listedIn.size() != files.size()) {
      problems.add(listedIn.size() + " files are listed in folders, " + files.size() + " were acknowledged");
    }
    return problems;
  }

  private long register(Map<EntryId, Long> writes) {
    long tx = transactions.incrementAndGet();
    written.put(tx, writes);
    return tx;
  }

  private static void commit(WorkspaceStorage storage, List<ManifestChange> changes) {
    try {
      storage.updateManifests(changes).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
      if (cause instanceof ConflictException conflict) {
        throw conflict;
      }
      throw new Failed(cause);
    } catch (InterruptedException | TimeoutException e) {
      throw new Failed(e);
    }
  }

  private static Optional<LocalManifest> read(WorkspaceStorage storage, EntryId id) {
    try {
      return Optional.of(storage.getManifest(id).toCompletableFuture().get(30, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EntryMissingException) {
        return Optional.empty();
      }
      throw new Failed(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new Failed(e);
    }
  }

  private static String name(EntryId file) {
    return "f-" + file;
  }

  /** The instant that carries transaction {@code tx}. */
  private static Instant stamp(long tx) {
    return Instant.ofEpochSecond(tx / 1_000_000_000L, tx % 1_000_000_000L);
  }

  private FolderManifest folder(EntryId id, long counter, long tx, Map<String, EntryId> children) {
    return new FolderManifest(id, root, counter, true, stamp(tx), children);
  }

  private static FileManifest file(EntryId id, EntryId parent, long counter, long tx) {
    return new FileManifest(id, parent, counter, true, stamp(tx), 0, 512 * 1024, List.of());
  }
}
