package dev.stowage.app.demo;

import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.ChunkContent;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.WorkspaceManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload of a file-sync client, through the public façade only: editors create files (chunks
 * plus a durable manifest), then edit them (a new chunk replaces an old one; the manifest is
 * written cache-only with the replaced chunk as removed, and made durable every few edits), while
 * readers read random files back and a downloader fills the block cache past its limit; then a sync
 * engine uploads what needs it and promotes the uploaded chunks to the block cache. Every
 * payload follows from its id ({@link ChunkContent}), so every read is checked byte for byte.
 *
 * <p>Editors own disjoint files, so each file has one writer and this class can remember what
 * each file must hold at the end ({@link #expectedFiles()}).
 */
final class DemoWorkload {
  /** One storage per node (one in local mode); editor, reader and downloader {@code i} use node {@code i % size}. */
  private final List<WorkspaceStorage> nodes;
  private final DemoSettings settings;
  private final int blockSize;
  private final long blockLimit;
  private final long blocksToDownload;
  private final OpStats stats;
  private final long seed;
  private Runnable step = () -> { };
  private final Map<EntryId, FileManifest> files = new ConcurrentHashMap<>();
  private final List<EntryId> fileIds = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private final AtomicLong staleReads = new AtomicLong();
  private final AtomicLong promotedChunks = new AtomicLong();
  private final AtomicLong uploadedBytes = new AtomicLong();
  /** How many entries the sync engine takes at a time. */
  private static final int UPLOAD_PAGE = 64;

  DemoWorkload(List<WorkspaceStorage> nodes, DemoSettings settings, int blockSize, long blockLimit, OpStats stats,
      long seed) {
    this.nodes = List.copyOf(nodes);
    this.settings = settings;
    this.blockSize = blockSize;
    this.blockLimit = blockLimit;
    this.blocksToDownload = Math.round(settings.blockFill() * blockLimit);
    this.stats = stats;
    this.seed = seed;
  }

  /** Steps the progress bar will see: one per file created, edit, read, block downloaded and file uploaded. */
  long totalSteps() {
    return 2L * settings.files() + (long) settings.editors() * settings.editsPerEditor()
        + (long) settings.readers() * settings.readsPerReader() + blocksToDownload;
  }

  long blocksToDownload() {
    return blocksToDownload;
  }

  /**
   * Creates the files, then runs editors, readers and the downloader concurrently.
   *
   * @param step called after each step of {@link #totalSteps()} (advances the progress bar)
   */
  void run(Runnable step) throws InterruptedException {
    this.step = step;
    EntryId root = EntryId.random();
    Map<String, EntryId> folders = new LinkedHashMap<>();
    List<List<EntryId>> owned = new ArrayList<>();
    for (int editor = 0; editor < settings.editors(); editor++) {
      folders.put("editor-" + editor, EntryId.random());
      List<EntryId> mine = new ArrayList<>();
      for (int file = 0; file < settings.filesPerEditor(); file++) {
        mine.add(EntryId.random());
      }
      owned.add(mine);
      fileIds.addAll(mine);
    }
    stats.time(Op.SET_MANIFEST_DURABLE,
        () -> node(0).setManifest(root, new WorkspaceManifest(root, 0, true, Instant.now(), folders)));
    List<EntryId> folderIds = List.copyOf(folders.values());
    inParallel(settings.editors(), editor -> () -> {
      createFiles(node(editor), folderIds.get(editor), owned.get(editor));
      return null;
    });
    List<Callable<Void>> workers = new ArrayList<>();
    for (int editor = 0; editor < settings.editors(); editor++) {
      List<EntryId> mine = owned.get(editor);
      long editorSeed = seed * 1_000 + editor;
      WorkspaceStorage storage = node(editor);
      workers.add(() -> {
        edit(storage, mine, new SplittableRandom(editorSeed));
        return null;
      });
    }
    for (int reader = 0; reader < settings.readers(); reader++) {
      long readerSeed = seed * 1_000 + 500 + reader;
      WorkspaceStorage storage = node(reader + 1);
      workers.add(() -> {
        read(storage, new SplittableRandom(readerSeed));
        return null;
      });
    }
    workers.add(() -> {
      download(node(0), new SplittableRandom(seed * 1_000 + 999));
      return null;
    });
    runAll(workers);
    upload(node(0));
  }

  /**
   * The sync engine's turn, once the edits are done: it pages through the entries that need sync
   * ({@code getOutboundNeedSync}), "uploads" each (reads its chunks, as a client sends them), then
   * marks it synced with its chunks uploaded in one conditional write ({@code updateManifests}: it
   * would fail, changing nothing, had the entry changed meanwhile), and only then promotes its
   * chunks to the block cache. In that order a crash leaves every chunk the manifest does not call
   * uploaded in the chunks (INV-1).
   */
  private void upload(WorkspaceStorage storage) {
    while (true) {
      List<EntryId> page = stats.time(Op.OUTBOUND_PAGE, () -> storage.getOutboundNeedSync(UPLOAD_PAGE));
      if (page.isEmpty()) {
        return;
      }
      for (EntryId id : page) {
        LocalManifest current = stats.time(Op.GET_MANIFEST, () -> storage.getManifest(id));
        LocalManifest synced = synced(current);
        if (current instanceof FileManifest file) {
          for (ChunkRef ref : file.chunks()) {
            byte[] sent = stats.time(Op.GET_CHUNK, () -> storage.getChunk(ref.id()));
            uploadedBytes.addAndGet(sent.length);
          }
        }
        stats.time(Op.UPDATE_MANIFESTS, () -> storage.updateManifests(List.of(ManifestChange.replace(current, synced))));
        if (synced instanceof FileManifest file) {
          files.put(id, file);
          for (ChunkRef ref : file.chunks()) {
            stats.time(Op.PROMOTE, () -> storage.promoteChunkToBlock(ref.id()));
            promotedChunks.incrementAndGet();
          }
          step.run();
        }
      }
    }
  }

  /** {@code m} as the server now has it: one version on, nothing to sync, its chunks uploaded. */
  private static LocalManifest synced(LocalManifest m) {
    Instant now = Instant.now();
    if (m instanceof FileManifest f) {
      return new FileManifest(f.id(), f.parent(), f.baseVersion() + 1, false, now, f.size(), f.blocksize(),
          f.chunks().stream().map(ChunkRef::asUploaded).toList());
    } else if (m instanceof FolderManifest f) {
      return new FolderManifest(f.id(), f.parent(), f.baseVersion() + 1, false, now, f.children());
    }
    WorkspaceManifest w = (WorkspaceManifest) m;
    return new WorkspaceManifest(w.id(), w.baseVersion() + 1, false, now, w.children());
  }

  long promotedChunks() {
    return promotedChunks.get();
  }

  long uploadedBytes() {
    return uploadedBytes.get();
  }

  private WorkspaceStorage node(int index) {
    return nodes.get(index % nodes.size());
  }

  private void createFiles(WorkspaceStorage storage, EntryId folder, List<EntryId> mine) {
    Map<String, EntryId> children = new LinkedHashMap<>();
    for (EntryId id : mine) {
      List<ChunkRef> refs = new ArrayList<>();
      for (int i = 0; i < settings.chunksPerFile(); i++) {
        refs.add(new ChunkRef(writeChunk(storage), (long) i * settings.chunkSize(), settings.chunkSize()));
      }
      FileManifest manifest = new FileManifest(id, folder, 0, true, Instant.now(),
          (long) refs.size() * settings.chunkSize(), settings.chunkSize(), refs);
      stats.time(Op.SET_MANIFEST_DURABLE, () -> storage.setManifest(id, manifest));
      files.put(id, manifest);
      children.put("file-" + children.size() + ".bin", id);
      step.run();
    }
    stats.time(Op.SET_MANIFEST_DURABLE,
        () -> storage.setManifest(folder, new FolderManifest(folder, folder, 0, true, Instant.now(), children)));
  }

  private ChunkId writeChunk(WorkspaceStorage storage) {
    ChunkId id = ChunkId.random();
    byte[] content = ChunkContent.of(id, settings.chunkSize());
    stats.time(Op.SET_CHUNK, () -> storage.setChunk(id, content));
    return id;
  }

  private void edit(WorkspaceStorage storage, List<EntryId> mine, SplittableRandom random) {
    for (int edit = 1; edit <= settings.editsPerEditor(); edit++) {
      EntryId id = mine.get(random.nextInt(mine.size()));
      FileManifest before = files.get(id);
      int index = random.nextInt(before.chunks().size());
      ChunkRef replaced = before.chunks().get(index);
      List<ChunkRef> refs = new ArrayList<>(before.chunks());
      refs.set(index, new ChunkRef(writeChunk(storage), replaced.offset(), replaced.size()));
      FileManifest after = new FileManifest(id, before.parent(), before.baseVersion(), true, Instant.now(),
          before.size(), before.blocksize(), refs);
      stats.time(Op.SET_MANIFEST_CACHE_ONLY, () -> storage.setManifest(id, after, true, Set.of(replaced.id())));
      files.put(id, after);
      if (edit % settings.ensureEvery() == 0) {
        stats.time(Op.ENSURE_PERSISTENT, () -> storage.ensureManifestPersistent(id));
      }
      step.run();
    }
  }

  /**
   * Reads a random file's manifest, then one of its chunks. A chunk may be gone if its file was
   * edited and flushed between the two reads: the reader then reads the manifest again, as a
   * sync client would.
   */
  private void read(WorkspaceStorage storage, SplittableRandom random) {
    for (int read = 0; read < settings.readsPerReader(); read++) {
      EntryId id = fileIds.get(random.nextInt(fileIds.size()));
      for (int attempt = 1; ; attempt++) {
        LocalManifest manifest = stats.time(Op.GET_MANIFEST, () -> storage.getManifest(id));
        if (!(manifest instanceof FileManifest file)) {
          problems.add("file " + id + " reads back as " + manifest.getClass().getSimpleName());
          break;
        }
        ChunkRef ref = file.chunks().get(random.nextInt(file.chunks().size()));
        try {
          byte[] content = stats.time(Op.GET_CHUNK, () -> storage.getChunk(ref.id()));
          if (!Arrays.equals(content, ChunkContent.of(ref.id(), ref.size()))) {
            problems.add("chunk " + ref.id() + " of file " + id + " does not read back as written");
          }
          break;
        } catch (CompletionException e) {
          if (!(e.getCause() instanceof EntryMissingException) || attempt == 3) {
            throw e;
          }
          staleReads.incrementAndGet();
        }
      }
      step.run();
    }
  }

  /**
   * Downloads blocks past the cache's limit; after each, reads one back: usually a recent one (a
   * hit), sometimes one written more than a cache-full ago (evicted by then: a miss).
   */
  private void download(WorkspaceStorage storage, SplittableRandom random) {
    List<ChunkId> written = new ArrayList<>();
    for (long block = 0; block < blocksToDownload; block++) {
      ChunkId id = ChunkId.random();
      byte[] content = ChunkContent.of(id, blockSize);
      stats.time(Op.SET_BLOCK, () -> storage.setBlock(id, content));
      written.add(id);
      int evictedByNow = (int) Math.max(0, written.size() - blockLimit);
      ChunkId wanted = random.nextInt(4) == 0 && evictedByNow > 0 ? written.get(random.nextInt(evictedByNow))
          : written.get(Math.max(0, written.size() - 1 - random.nextInt(16)));
      try {
        byte[] read = stats.time(Op.GET_BLOCK, () -> storage.getBlock(wanted));
        if (!Arrays.equals(read, ChunkContent.of(wanted, blockSize))) {
          problems.add("block " + wanted + " does not read back as written");
        }
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof EntryMissingException)) {
          throw e;
        }
        // a miss: the block was evicted, and a real client would download it again
      }
      step.run();
    }
  }

  /**
   * The final check: every file's manifest and every chunk it references read back exactly as
   * last written. Run it on a freshly reopened workspace to check what reached the disk.
   */
  FinalCheck check(WorkspaceStorage reopened) {
    List<String> found = new ArrayList<>(problems);
    long chunks = 0;
    long evicted = 0;
    for (FileManifest expected : files.values()) {
      LocalManifest stored;
      try {
        stored = reopened.getManifest(expected.id()).toCompletableFuture().join();
      } catch (CompletionException e) {
        found.add("file " + expected.id() + ": " + e.getCause().getMessage());
        continue;
      }
      if (!expected.equals(stored)) {
        found.add("file " + expected.id() + " does not read back as last written");
        continue;
      }
      for (ChunkRef ref : expected.chunks()) {
        chunks++;
        try {
          byte[] content = (ref.uploaded() ? reopened.getBlock(ref.id()) : reopened.getChunk(ref.id()))
              .toCompletableFuture().join();
          if (!Arrays.equals(content, ChunkContent.of(ref.id(), ref.size()))) {
            found.add("chunk " + ref.id() + " of file " + expected.id() + " does not read back as written");
          }
        } catch (CompletionException e) {
          if (ref.uploaded() && e.getCause() instanceof EntryMissingException) {
            evicted++; // promoted, then evicted from the block cache: on the server, fetched again when read
          } else {
            found.add("chunk " + ref.id() + " of file " + expected.id() + ": " + e.getCause().getMessage());
          }
        }
      }
    }
    return new FinalCheck(files.size(), chunks, evicted, List.copyOf(found));
  }

  /**
   * Outcome of {@link #check}.
   *
   * @param evicted uploaded chunks that were promoted to the block cache and evicted from it since
   */
  record FinalCheck(int files, long chunks, long evicted, List<String> problems) {
    boolean passed() {
      return problems.isEmpty();
    }
  }

  long staleReads() {
    return staleReads.get();
  }

  private interface Task {
    Callable<Void> forIndex(int index);
  }

  private static void inParallel(int count, Task task) throws InterruptedException {
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tasks.add(task.forIndex(i));
    }
    runAll(tasks);
  }

  /** Runs the tasks on threads of their own; the first failure stops the rest and is rethrown. */
  private static void runAll(List<Callable<Void>> tasks) throws InterruptedException {
    ExecutorService threads = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<Void>> running = tasks.stream().map(threads::submit).toList();
      for (Future<Void> future : running) {
        try {
          future.get();
        } catch (ExecutionException e) {
          throw e.getCause() instanceof RuntimeException runtime ? runtime : new CompletionException(e.getCause());
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
