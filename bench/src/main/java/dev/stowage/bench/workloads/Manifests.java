package dev.stowage.bench.workloads;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Realistic manifests: a folder of 20 children, a file of 50 chunk refs (issue 7's sizes). */
public final class Manifests {
  public static final int FOLDER_CHILDREN = 20;
  public static final int FILE_CHUNKS = 50;
  public static final int CHUNK_SIZE = 512 << 10;

  private static final EntryId ROOT = EntryId.random();

  private Manifests() {}

  /** A manifest and the id it is stored under. */
  public record Keyed(EntryId id, LocalManifest manifest) {}

  public static FolderManifest folder(EntryId id) {
    Map<String, EntryId> children = new LinkedHashMap<>();
    for (int i = 0; i < FOLDER_CHILDREN; i++) {
      children.put("document-" + i + ".odt", EntryId.random());
    }
    return new FolderManifest(id, ROOT, 1, true, Instant.now(), children);
  }

  public static FileManifest file(EntryId id, List<ChunkRef> chunks) {
    long size = chunks.stream().mapToLong(ChunkRef::size).sum();
    return new FileManifest(id, ROOT, 1, true, Instant.now(), size, CHUNK_SIZE, chunks);
  }

  /** {@link #FILE_CHUNKS} refs to fresh chunk ids, laid end to end. */
  public static List<ChunkRef> chunkRefs() {
    List<ChunkRef> refs = new ArrayList<>(FILE_CHUNKS);
    for (int i = 0; i < FILE_CHUNKS; i++) {
      refs.add(new ChunkRef(ChunkId.random(), (long) i * CHUNK_SIZE, CHUNK_SIZE));
    }
    return refs;
  }

  /** {@code count} manifests under fresh ids, alternately a folder and a file. */
  public static List<Keyed> mixed(int count) {
    List<Keyed> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      EntryId id = EntryId.random();
      list.add(new Keyed(id, i % 2 == 0 ? folder(id) : file(id, chunkRefs())));
    }
    return list;
  }
}
