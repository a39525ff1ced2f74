package dev.stowage.bench.workloads;

import dev.stowage.bench.report.Measurement;
import dev.stowage.bench.report.Result;
import dev.stowage.bench.report.Scenarios;
import dev.stowage.bench.targets.BenchTarget;
import dev.stowage.bench.targets.SystemKind;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.storage.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * W5: the file-editing mix. Each editor owns a file of 50 chunks. One edit writes a new chunk
 * (durable), replaces one of the file's chunk refs with it in a cache-only {@code setManifest}
 * that lists the replaced chunk as removed, and every {@code ensureEvery} edits makes the manifest
 * persistent (which deletes the removed chunks in the same transaction). An operation is one edit.
 */
final class FileEditing implements Workload {
  private static final int EDITORS = 8;

  @Override
  public String name() {
    return "W5";
  }

  /** One editor's file; touched only by its client thread, between its operations. */
  private static final class EditedFile {
    final EntryId id = EntryId.random();
    final ChunkRef[] refs;

    EditedFile(List<ChunkRef> refs) {
      this.refs = refs.toArray(ChunkRef[]::new);
    }

    FileManifest manifest() {
      return Manifests.file(id, List.of(refs));
    }
  }

  @Override
  public List<Result> run(SystemKind system, BenchContext context) throws Exception {
    BenchProfile profile = context.profile();
    byte[] chunk = new byte[profile.chunkBytes()];
    ThreadLocalRandom.current().nextBytes(chunk);
    try (BenchContext.OpenTarget open = context.open(system, Durability.NORMAL, UnaryOperator.identity())) {
      BenchTarget target = open.target();
      List<EditedFile> files = createFiles(target, chunk);
      int every = profile.ensureEvery();
      Measurement m = Driver.run(target, Phase.timed(EDITORS, profile.warmup(), profile.measure()), (client, seq) -> {
        EditedFile file = files.get(client);
        int slot = (int) (seq % file.refs.length);
        ChunkRef replaced = file.refs[slot];
        ChunkId fresh = ChunkId.random();
        file.refs[slot] = new ChunkRef(fresh, replaced.offset(), chunk.length);
        FileManifest edited = file.manifest();
        boolean ensure = seq % every == every - 1;
        CompletionStage<?> edit = then(target.setChunk(fresh, chunk),
            () -> target.setManifestCacheOnly(file.id, edited, Set.of(replaced.id())));
        return ensure ? then(edit, () -> target.ensurePersistent(file.id)) : edit;
      });
      return List.of(Result.latency(Scenarios.W5_8, system, m, 0,
          profile.chunkBytes() / 1024 + " KiB chunks, ensure every " + every + " edits"));
    }
  }

  /** {@code next} started once {@code first} completed. */
  private static CompletionStage<?> then(CompletionStage<?> first, Supplier<CompletionStage<?>> next) {
    return first.thenCompose(ignored -> next.get().thenApply(value -> (Object) value));
  }

  /** One file per editor, its chunks stored and its manifest durable before the measurement. */
  private static List<EditedFile> createFiles(BenchTarget target, byte[] chunk) {
    List<EditedFile> files = new ArrayList<>();
    for (int e = 0; e < EDITORS; e++) {
      List<ChunkRef> refs = new ArrayList<>();
      for (int i = 0; i < Manifests.FILE_CHUNKS; i++) {
        ChunkId id = ChunkId.random();
        target.setChunk(id, chunk).toCompletableFuture().join();
        refs.add(new ChunkRef(id, (long) i * chunk.length, chunk.length));
      }
      EditedFile file = new EditedFile(refs);
      target.setManifest(file.id, file.manifest()).toCompletableFuture().join();
      files.add(file);
    }
    return files;
  }
}
