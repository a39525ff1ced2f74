package dev.stowage.app.crash;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.CacheStore;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a workspace reopened after its writer was killed, against the writer's {@link AckLog}:
 *
 * <ul>
 *   <li>INV-8: every acknowledged manifest version, or a newer one, is stored;
 *   <li>INV-1: every chunk referenced by a stored file manifest is stored, with the right bytes;
 *   <li>INV-9: every row decrypts and decodes; {@code PRAGMA integrity_check} is ok on both files;
 *   <li>INV-13: the block cache holds no more than its limit.
 * </ul>
 */
final class CrashVerifier {

  /** What one verification found; {@code problems} names each finding. */
  record Report(int acknowledged, int lost, int dangling, int undecryptable, int integrityFailures, List<String> problems) {
    boolean clean() {
      return lost == 0 && dangling == 0 && undecryptable == 0 && integrityFailures == 0;
    }
  }

  private CrashVerifier() {}

  static Report verify(Path workspaceDir, BlobCipher cipher, Path ackLog, long blockLimit) throws IOException {
    List<String> problems = new ArrayList<>();
    Map<EntryId, Long> acknowledgedVersions = new HashMap<>();
    int acknowledged = 0;
    for (String[] line : AckLog.read(ackLog)) {
      acknowledged++;
      if (line[0].equals("M")) {
        acknowledgedVersions.merge(EntryId.parse(line[1]), Long.parseLong(line[2]), Math::max);
      }
    }
    int lost = 0;
    int dangling = 0;
    int undecryptable = 0;
    int integrityFailures = 0;
    try (DataStore data = DataStore.open(workspaceDir, Durability.NORMAL, cipher)) {
      String integrity = data.database().integrityCheck();
      if (!integrity.equals("ok")) {
        integrityFailures++;
        problems.add("data integrity_check: " + integrity);
      }
      Map<EntryId, LocalManifest> stored = new HashMap<>();
      List<String> unreadable = new ArrayList<>();
      data.vlobs().forEach(row -> {
        try {
          stored.put(row.id(), ManifestCodec.decode(cipher.open(row.id(), row.blob())));
        } catch (CorruptEntryException e) {
          unreadable.add("manifest " + row.id() + ": " + e.getMessage());
        }
      });
      undecryptable += unreadable.size();
      problems.addAll(unreadable);
      for (Map.Entry<EntryId, Long> acked : acknowledgedVersions.entrySet()) {
        LocalManifest manifest = stored.get(acked.getKey());
        if (manifest == null || manifest.baseVersion() < acked.getValue()) {
          lost++;
          problems.add("manifest " + acked.getKey() + ": acknowledged version " + acked.getValue() + ", stored "
              + (manifest == null ? "nothing" : "version " + manifest.baseVersion()));
        }
      }
      for (LocalManifest manifest : stored.values()) {
        if (!(manifest instanceof FileManifest file)) {
          continue;
        }
        for (ChunkRef ref : file.chunks()) {
          Optional<byte[]> sealed = data.chunks().get(ref.id());
          if (sealed.isEmpty()) {
            dangling++;
            problems.add("file " + file.id() + " v" + file.baseVersion() + " references missing chunk " + ref.id());
          } else if (!readsBack(cipher, BlobCipher.Kind.CHUNK, ref.id(), sealed.get(), ref.size())) {
            undecryptable++;
            problems.add("chunk " + ref.id() + " does not read back as written");
          }
        }
      }
      for (ChunkId id : data.chunks().allIds()) {
        try {
          cipher.open(BlobCipher.Kind.CHUNK, id, data.chunks().get(id).orElseThrow());
        } catch (CorruptEntryException e) {
          undecryptable++;
          problems.add("chunk " + id + ": " + e.getMessage());
        }
      }
    }
    try (CacheStore cache = CacheStore.open(workspaceDir, Durability.NORMAL, cipher, blockLimit)) {
      String integrity = cache.database().integrityCheck();
      if (!integrity.equals("ok")) {
        integrityFailures++;
        problems.add("cache integrity_check: " + integrity);
      }
      if (cache.blocks().count() > blockLimit) {
        integrityFailures++;
        problems.add("block cache holds " + cache.blocks().count() + " blocks, limit " + blockLimit);
      }
      for (ChunkId id : cache.blocks().table().allIds()) {
        if (!readsBack(cipher, BlobCipher.Kind.BLOCK, id, cache.blocks().table().get(id).orElseThrow(), 4096)) {
          undecryptable++;
          problems.add("block " + id + " does not read back as written");
        }
      }
    }
    return new Report(acknowledged, lost, dangling, undecryptable, integrityFailures, problems);
  }

  private static boolean readsBack(BlobCipher cipher, BlobCipher.Kind kind, ChunkId id, byte[] sealed, int size) {
    try {
      return Arrays.equals(cipher.open(kind, id, sealed), ChunkContent.of(id, size));
    } catch (CorruptEntryException e) {
      return false;
    }
  }
}
