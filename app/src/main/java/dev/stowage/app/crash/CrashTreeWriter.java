package dev.stowage.app.crash;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.ManifestChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * The tree workload of a crash trial: one writer creates files in folders (two manifests) and moves
 * them between folders (three), each in one tree transaction, while the trial kills it or cuts its
 * power. Before a transaction is sent, its writes go to the {@link AckLog} as {@code P <tx>
 * <id>=<counter>...} (prepared); once it is acknowledged, {@code T <tx>}. Every value it writes
 * carries its transaction's number (in {@code updated}, as nanoseconds since the epoch) and a
 * per-entry counter (in {@code baseVersion}) one above the value it replaces, so that {@link
 * TreeCheck} can tell, after the restart, which transaction each stored value came from and
 * whether that transaction is whole.
 */
final class CrashTreeWriter {
  /** The parent of the tree's folders (never stored). */
  static final EntryId TREE_ROOT = new EntryId(new UUID(0, 2));
  static final int FOLDERS = 4;
  static final int MAX_FILES = 24;

  private final WorkspaceStorage storage;
  private final AckLog log;
  private final Random random;
  private final List<EntryId> folders = new ArrayList<>();
  private final List<EntryId> files = new ArrayList<>();
  /** Each entry's value as this writer last committed it (it is the tree's only writer). */
  private final Map<EntryId, Object> current = new HashMap<>();
  private long transactions;

  CrashTreeWriter(WorkspaceStorage storage, AckLog log, Random random) {
    this.storage = storage;
    this.log = log;
    this.random = random;
  }

  /** Writes until the process ends. */
  void run() {
    for (int f = 0; f < FOLDERS; f++) {
      FolderManifest folder = folder(EntryId.random(), 1, next(), Map.of());
      commit(List.of(ManifestChange.create(folder)));
      folders.add(folder.id());
    }
    while (true) {
      if (files.size() < MAX_FILES && (files.isEmpty() || random.nextInt(3) == 0)) {
        create();
      } else {
        move();
      }
    }
  }

  private void create() {
    FolderManifest parent = (FolderManifest) current.get(folders.get(random.nextInt(FOLDERS)));
    long tx = next();
    FileManifest file = file(EntryId.random(), parent.id(), 1, tx);
    Map<String, EntryId> children = new HashMap<>(parent.children());
    children.put(name(file.id()), file.id());
    commit(List.of(ManifestChange.replace(parent, folder(parent.id(), parent.baseVersion() + 1, tx, children)),
        ManifestChange.create(file)));
    files.add(file.id());
  }

  private void move() {
    FileManifest file = (FileManifest) current.get(files.get(random.nextInt(files.size())));
    FolderManifest from = (FolderManifest) current.get(file.parent());
    FolderManifest to = (FolderManifest) current.get(folders.get(random.nextInt(FOLDERS)));
    if (to.id().equals(from.id())) {
      return;
    }
    long tx = next();
    Map<String, EntryId> fromChildren = new HashMap<>(from.children());
    fromChildren.remove(name(file.id()));
    Map<String, EntryId> toChildren = new HashMap<>(to.children());
    toChildren.put(name(file.id()), file.id());
    commit(List.of(
        ManifestChange.replace(from, folder(from.id(), from.baseVersion() + 1, tx, fromChildren)),
        ManifestChange.replace(to, folder(to.id(), to.baseVersion() + 1, tx, toChildren)),
        ManifestChange.replace(file, file(file.id(), to.id(), file.baseVersion() + 1, tx))));
  }

  /** Logs the transaction as prepared, commits it, and logs it acknowledged. */
  private void commit(List<ManifestChange> changes) {
    long tx = TreeCheck.transactionOf(changes.get(0).updated());
    StringJoiner prepared = new StringJoiner(" ", "P " + tx + " ", "");
    changes.forEach(change -> prepared.add(change.id() + "=" + change.updated().baseVersion()));
    log.append(prepared.toString());
    try {
      storage.updateManifests(changes).toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ConflictException) {
        throw new IllegalStateException("the tree's only writer met a conflict: " + e.getCause().getMessage(), e);
      }
      throw e;
    }
    changes.forEach(change -> current.put(change.id(), change.updated()));
    log.append("T " + tx);
  }

  private long next() {
    return ++transactions;
  }

  static String name(EntryId file) {
    return "f-" + file;
  }

  private static FolderManifest folder(EntryId id, long counter, long tx, Map<String, EntryId> children) {
    return new FolderManifest(id, TREE_ROOT, counter, true, TreeCheck.stamp(tx), children);
  }

  private static FileManifest file(EntryId id, EntryId parent, long counter, long tx) {
    return new FileManifest(id, parent, counter, true, TreeCheck.stamp(tx), 0, 4096, List.of());
  }
}
