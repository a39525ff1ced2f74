package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.storage.Durability;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * W7: tree operations, durable, by 1 and 8 clients over one tree of {@link #FOLDERS} folders of
 * {@link #FILES_PER_FOLDER} files (each of 50 chunk refs). An operation is one of: create a file in
 * a folder (2 manifests), move a file between two folders (3), rename a file in place (its folder:
 * 1), in the proportions 2 : 5 : 3. Each reads what it changes, then commits the change in one
 * tree transaction that expects what it read ({@link BenchTarget#updateManifests}); on a conflict
 * (another client changed one of them meanwhile) it reads again and retries, and the conflict is
 * counted. Stowage runs its {@code updateManifests}; the peers do the same work in one transaction
 * under their lock: read the current values, compare, write all, commit.
 */
final class TreeOperations implements Workload {
  static final int FOLDERS = 64;
  static final int FILES_PER_FOLDER = 8;
  private static final int MAX_ATTEMPTS = 1_000;

  @Override
  public String name() {
    return "W7";
  }

  /**
   * Stowage (both modes) and the systems that do the same transactions: the three alternatives, and
   * raw PostgreSQL for cluster mode. The raw SQLite limits have no cache to check against.
   */
  @Override
  public boolean runsOn(SystemKind system) {
    return switch (system) {
      case STOWAGE, LOCK_COMMIT, THREAD_LOCK, CAFFEINE_JDBC, STOWAGE_CLUSTER_1, RAW_POSTGRES -> true;
      default -> false;
    };
  }

  private record Case(String scenario, int clients) {}

  private static final List<Case> CASES = List.of(new Case(Scenarios.W7_1, 1), new Case(Scenarios.W7_8, 8));

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    List<Result> results = new ArrayList<>();
    for (Case c : CASES) {
      if (!context.wants(c.scenario())) {
        continue;
      }
      try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL, UnaryOperator.identity())) {
        BenchTarget target = open.target();
        Tree tree = Tree.create(target);
        AtomicLong conflicts = new AtomicLong();
        AtomicLong operations = new AtomicLong(); // warm-up included, as the conflicts are
        Measurement m = Driver.run(target, Phase.timed(c.clients(), profile.warmup(), profile.measure()),
            (client, seq) -> tree.operation(seq, conflicts, 1).whenComplete((done, error) -> operations.incrementAndGet()));
        results.add(Result.latency(c.scenario(), system, m, 0, String.format("%.3f conflicts per op (%d in %d ops,"
            + " warm-up included)", operations.get() == 0 ? 0.0 : (double) conflicts.get() / operations.get(),
            conflicts.get(), operations.get())));
      }
    }
    return results;
  }

  /**
   * W7's operations on a tree of their own in {@code target}, for {@code phase}, nothing measured:
   * the JIT warm-up's tree transactions ({@link JitWarmup}).
   */
  static void warmUp(BenchTarget target, Phase phase) throws InterruptedException {
    Tree tree = Tree.create(target);
    AtomicLong conflicts = new AtomicLong();
    Driver.run(target, phase, (client, seq) -> tree.operation(seq, conflicts, 1));
  }

  /** The tree one run changes: the folders' ids, and the target that holds them. */
  private record Tree(BenchTarget target, List<EntryId> folders) {
    private static final EntryId ROOT = EntryId.random();

    static Tree create(BenchTarget target) {
      List<EntryId> folders = new ArrayList<>();
      for (int f = 0; f < FOLDERS; f++) {
        EntryId folder = EntryId.random();
        Map<String, EntryId> children = new HashMap<>();
        for (int i = 0; i < FILES_PER_FOLDER; i++) {
          EntryId file = EntryId.random();
          children.put(name(file), file);
          target.setManifest(file, file(file, folder)).toCompletableFuture().join();
        }
        target.setManifest(folder, new FolderManifest(folder, ROOT, 1, true, Instant.now(), children))
            .toCompletableFuture().join();
        folders.add(folder);
      }
      return new Tree(target, folders);
    }

    /** One operation, chosen by {@code seq}: read, commit what it expects, and on a conflict read again. */
    CompletionStage<?> operation(long seq, AtomicLong conflicts, int attempt) {
      int kind = (int) (seq % 10);
      CompletionStage<List<ManifestChange>> changes = kind < 2 ? create() : kind < 7 ? move() : rename();
      return changes.thenCompose(target::updateManifests).handle((done, error) -> {
        if (error == null) {
          return CompletableFuture.completedFuture(done);
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ConflictException && attempt < MAX_ATTEMPTS) {
          conflicts.incrementAndGet();
          return operation(seq, conflicts, attempt + 1);
        }
        return CompletableFuture.failedFuture(cause);
      }).thenCompose(next -> next);
    }

    /** A new file in a random folder: the folder with it, and the file. */
    private CompletionStage<List<ManifestChange>> create() {
      EntryId folderId = randomFolder();
      return read(folderId).thenApply(read -> {
        FolderManifest folder = (FolderManifest) read;
        EntryId file = EntryId.random();
        Map<String, EntryId> children = new HashMap<>(folder.children());
        children.put(name(file), file);
        return List.of(ManifestChange.replace(folder, with(folder, children)),
            ManifestChange.create(file(file, folderId)));
      });
    }

    /** A random file of a random folder, to another folder: both folders and the file. */
    private CompletionStage<List<ManifestChange>> move() {
      EntryId fromId = randomFolder();
      EntryId toId = randomFolder();
      while (toId.equals(fromId)) {
        toId = randomFolder();
      }
      EntryId to = toId;
      return read(fromId).thenCompose(readFrom -> {
        FolderManifest from = (FolderManifest) readFrom;
        if (from.children().isEmpty()) {
          return move(); // another pair of folders
        }
        Map.Entry<String, EntryId> child = randomChild(from);
        return read(child.getValue()).thenCompose(readFile -> read(to).thenApply(readTo -> {
          FileManifest file = (FileManifest) readFile;
          FolderManifest target = (FolderManifest) readTo;
          Map<String, EntryId> fromChildren = new HashMap<>(from.children());
          fromChildren.remove(child.getKey());
          Map<String, EntryId> toChildren = new HashMap<>(target.children());
          toChildren.put(child.getKey(), child.getValue());
          FileManifest moved = new FileManifest(file.id(), to, file.baseVersion() + 1, true, Instant.now(), file.size(),
              file.blocksize(), file.chunks());
          return List.of(ManifestChange.replace(from, with(from, fromChildren)),
              ManifestChange.replace(target, with(target, toChildren)), ManifestChange.replace(file, moved));
        }));
      });
    }

    /** A random file of a random folder, renamed: the folder alone. */
    private CompletionStage<List<ManifestChange>> rename() {
      return read(randomFolder()).thenCompose(read -> {
        FolderManifest folder = (FolderManifest) read;
        if (folder.children().isEmpty()) {
          return rename();
        }
        Map.Entry<String, EntryId> child = randomChild(folder);
        Map<String, EntryId> children = new HashMap<>(folder.children());
        children.remove(child.getKey());
        children.put(name(child.getValue()) + "~" + ThreadLocalRandom.current().nextInt(1_000_000), child.getValue());
        return CompletableFuture.completedFuture(List.of(ManifestChange.replace(folder, with(folder, children))));
      });
    }

    private CompletionStage<LocalManifest> read(EntryId id) {
      return target.getManifest(id).thenApply(value -> {
        if (value == null) {
          throw new IllegalStateException("W7 lost manifest " + id);
        }
        return (LocalManifest) value;
      });
    }

    private EntryId randomFolder() {
      return folders.get(ThreadLocalRandom.current().nextInt(folders.size()));
    }

    private static Map.Entry<String, EntryId> randomChild(FolderManifest folder) {
      List<Map.Entry<String, EntryId>> children = new ArrayList<>(folder.children().entrySet());
      return children.get(ThreadLocalRandom.current().nextInt(children.size()));
    }

    private static FolderManifest with(FolderManifest folder, Map<String, EntryId> children) {
      return new FolderManifest(folder.id(), folder.parent(), folder.baseVersion() + 1, true, Instant.now(), children);
    }

    private static FileManifest file(EntryId id, EntryId parent) {
      FileManifest template = Manifests.file(id, Manifests.chunkRefs());
      return new FileManifest(id, parent, 1, true, Instant.now(), template.size(), template.blocksize(),
          template.chunks());
    }

    private static String name(EntryId file) {
      return "file-" + file + ".odt";
    }
  }
}
