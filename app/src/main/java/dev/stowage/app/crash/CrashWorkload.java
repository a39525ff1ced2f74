package dev.stowage.app.crash;

import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.app.ChunkContent;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.storage.Durability;
import dev.stowage.storage.LocalKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The writer of a crash trial, run in a child JVM that is killed with SIGKILL, or whose power is
 * cut, at a random moment.
 *
 * <p>Writers edit files the way a sync client does, through the public façade only: write new
 * chunks and wait for them, store the file manifest cache-only with the replaced chunks as removed
 * ids, make it durable now and then (durable set or ensure), "upload" a file now and then and
 * promote its chunks to blocks, and download blocks into the cache.
 * Each writer owns its files, so versions of a file only grow. Every acknowledged write goes to
 * the {@link AckLog}. Small cache, max-dirty and max-active keep Stowage flushing, evicting and
 * passivating on its own while it is killed. One more writer changes a tree of folders and files in
 * tree transactions ({@link CrashTreeWriter}): creates and moves.
 *
 * <p>An upload goes in the order that keeps INV-1 at every moment a kill may come: the file's
 * manifest with its chunks marked uploaded is stored durably first, and only then is each chunk
 * promoted ({@code promoteChunkToBlock}: into the block cache, out of the chunks). Promoting first
 * would leave, until the manifest is rewritten, a stored manifest whose chunk not uploaded is no
 * longer in the chunks; marking it uploaded cache-only would lose the mark, and not the promotion,
 * in a kill. In the ack log, {@code R <chunk>} before each promotion is requested and {@code U
 * <chunk>} once it is acknowledged, so that the verifier can tell a promoted block the LRU may have
 * evicted from one that was never stored ({@link CrashVerifier}).
 *
 * <p>Under power loss ({@link CrashTrials.Fault#POWER_LOSS}) it first loads the {@link
 * PowerCutLayer}, so that every database it opens goes through it, and a thread waits on standard
 * input for the parent's {@code cut <mode> <moment> <seed>} line, which it turns into the cut: the
 * process ends there (or at its next sync), with {@link PowerCutLayer#CUT_EXIT_CODE}. It says
 * "ready" only once a first write is acknowledged.
 *
 * <p>Arguments: workspace base directory, key file, ack log, seed, durability ({@code normal} or
 * {@code full}), and under power loss the layer's library and the file for its sync log.
 */
public final class CrashWorkload {
  static final String WORKSPACE = "crash";
  static final int WRITERS = 4;
  static final int FILES_PER_WRITER = 8;
  static final String SETTINGS =
      "stowage { cache-size = 64 KiB, block-size = 4 KiB, cache.max-dirty = 6, entity.max-active = 12,"
          + " entity.passivate-after = 200ms }";
  static final EntryId ROOT = new EntryId(new UUID(0, 1));

  private CrashWorkload() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args[0]);
    LocalKey key = LocalKey.load(Path.of(args[1]));
    long seed = Long.parseLong(args[3]);
    Durability durability = Durability.valueOf(args[4].toUpperCase(Locale.ROOT));
    boolean powerLoss = args.length > 5;
    if (powerLoss) {
      awaitCut(PowerCutLayer.load(Path.of(args[5])), Path.of(args[6]));
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "crash-writer",
        ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
    StorageSettings settings = settings(base).withDurability(durability);
    WorkspaceStorage storage = Stowage.open(system, WORKSPACE, key, settings).toCompletableFuture().get();
    try (AckLog log = new AckLog(Path.of(args[2]))) {
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        Random random = new Random(seed * 100 + w);
        Thread writer = new Thread(() -> write(storage, log, random), "writer-" + w);
        writer.start();
        writers.add(writer);
      }
      Random treeRandom = new Random(seed * 100 + WRITERS);
      Thread tree = new Thread(() -> new CrashTreeWriter(storage, log, treeRandom).run(), "tree-writer");
      tree.start();
      writers.add(tree);
      if (powerLoss) {
        // The cut comes sooner than a kill: let its clock start once writes are being acknowledged,
        // not while the writers still warm up.
        log.firstAppend().get(30, TimeUnit.SECONDS);
      }
      System.out.println("ready");
      System.out.flush();
      for (Thread writer : writers) {
        writer.join();
      }
    }
  }

  /** Cuts the power when the parent says so: a line {@code cut <mode> <moment> <seed>} on standard input. */
  private static void awaitCut(PowerCutLayer layer, Path syncLog) {
    Thread cutter = new Thread(() -> {
      try {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          String[] cut = line.split(" ");
          if (cut.length == 4 && cut[0].equals("cut")) {
            layer.cut(PowerCutLayer.CutMode.parse(cut[1]), PowerCutLayer.Moment.parse(cut[2]), Long.parseLong(cut[3]),
                syncLog);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "power-cut");
    cutter.setDaemon(true);
    cutter.start();
  }

  static StorageSettings settings(Path base) {
    return StorageSettings.fromConfig(ConfigFactory.parseString(SETTINGS).withFallback(ConfigFactory.load()))
        .withBaseDir(base);
  }

  private static void write(WorkspaceStorage storage, AckLog log, Random random) {
    List<EntryId> files = new ArrayList<>();
    List<List<ChunkRef>> contents = new ArrayList<>();
    long[] versions = new long[FILES_PER_WRITER];
    for (int f = 0; f < FILES_PER_WRITER; f++) {
      files.add(EntryId.random());
      contents.add(new ArrayList<>());
    }
    while (true) {
      int f = random.nextInt(FILES_PER_WRITER);
      EntryId file = files.get(f);
      List<ChunkRef> chunks = new ArrayList<>(contents.get(f));
      Set<ChunkId> removed = new HashSet<>();
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        int size = 512 + random.nextInt(8 * 1024);
        ChunkId chunk = ChunkId.random();
        await(storage.setChunk(chunk, ChunkContent.of(chunk, size)));
        log.append("C " + chunk + " " + size);
        if (!chunks.isEmpty() && random.nextBoolean()) {
          removed.add(chunks.remove(random.nextInt(chunks.size())).id());
        }
        chunks.add(new ChunkRef(chunk, 0, size));
      }
      long version = ++versions[f];
      FileManifest manifest = manifest(file, version, chunks);
      int mode = random.nextInt(10);
      if (mode < 2) {
        await(storage.setManifest(file, manifest, false, removed));
        log.append("M " + file + " " + version);
      } else {
        await(storage.setManifest(file, manifest, true, removed));
        if (mode < 5) {
          await(storage.ensureManifestPersistent(file));
          log.append("M " + file + " " + version);
        }
      }
      if (random.nextInt(6) == 0 && chunks.stream().anyMatch(ref -> !ref.uploaded())) {
        chunks = upload(storage, log, file, ++versions[f], chunks);
      }
      contents.set(f, chunks);
      if (random.nextInt(4) == 0) {
        ChunkId block = ChunkId.random();
        await(storage.setBlock(block, ChunkContent.of(block, 4096)));
        log.append("B " + block);
      }
    }
  }

  /**
   * What a sync client does once the server has a file's chunks: stores the manifest with them
   * marked uploaded, durably, then promotes each one to a block. Returns the file's chunks, marked.
   */
  private static List<ChunkRef> upload(WorkspaceStorage storage, AckLog log, EntryId file, long version,
      List<ChunkRef> chunks) {
    List<ChunkRef> uploaded = chunks.stream().map(ChunkRef::asUploaded).toList();
    await(storage.setManifest(file, manifest(file, version, uploaded), false, Set.of()));
    log.append("M " + file + " " + version);
    for (ChunkRef ref : chunks) {
      if (!ref.uploaded()) {
        log.append("R " + ref.id());
        await(storage.promoteChunkToBlock(ref.id()));
        log.append("U " + ref.id());
      }
    }
    return new ArrayList<>(uploaded);
  }

  /** Offsets follow the chunk order; the verifier checks refs, sizes and content. */
  private static FileManifest manifest(EntryId file, long version, List<ChunkRef> chunks) {
    List<ChunkRef> refs = new ArrayList<>();
    long offset = 0;
    for (ChunkRef chunk : chunks) {
      refs.add(new ChunkRef(chunk.id(), offset, chunk.size(), chunk.uploaded()));
      offset += chunk.size();
    }
    return new FileManifest(file, ROOT, version, true, Instant.now(), offset, 4096, refs);
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }
}
