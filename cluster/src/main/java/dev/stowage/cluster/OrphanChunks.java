package dev.stowage.cluster;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Garbage collection of cluster mode's chunks ({@code stowage gc}). A manifest flush deletes its
 * removed chunks after the manifest committed, outside its transaction: a crash in between leaves
 * orphan chunks, referenced by no stored manifest. This deletes the workspace's chunks that no
 * stored manifest references and that are older than a grace period.
 *
 * <p>The grace period matters: a chunk is written before the manifest that references it (INV-1),
 * and that manifest may still be dirty in some entity's cache (a cache-only write). Choose a grace
 * longer than an entry stays dirty (see docs/scale-out.md), or flush first ({@code
 * clearMemoryCache(true)} on every node).
 */
public final class OrphanChunks {
  private OrphanChunks() {}

  /** What one collection found and did. */
  public record Result(int manifests, int referencedChunks, int candidates, int deleted) {}

  /** Collects with the configured {@code stowage.cluster.orphan-grace}. */
  public static CompletionStage<Result> collect(ActorSystem<?> system, String workspaceId, LocalKey key) {
    ClusterNode node = ClusterNode.ID.apply(system);
    return collect(system, workspaceId, key, node.settings().orphanGrace());
  }

  public static CompletionStage<Result> collect(ActorSystem<?> system, String workspaceId, LocalKey key, Duration grace) {
    ClusterNode node = ClusterNode.ID.apply(system);
    ClusterTables tables = new ClusterTables(workspaceId);
    BlobCipher cipher = new BlobCipher(key);
    Instant before = Instant.now().minus(grace);
    return node.schemaReady().thenCompose(ready -> node.database().transaction(
        "collecting orphan chunks of workspace '" + workspaceId + "'", connection -> {
          // Candidates first: a chunk written after this point is younger than the grace anyway.
          List<ChunkId> candidates = tables.chunksWrittenBefore(connection, before);
          Set<ChunkId> referenced = new HashSet<>();
          int[] manifests = {0};
          tables.forEachStoredManifest(connection, (EntryId id, byte[] sealed) -> {
            manifests[0]++;
            LocalManifest manifest = ManifestCodec.decode(cipher.open(id, sealed));
            if (manifest instanceof FileManifest file) {
              file.chunks().stream().map(ChunkRef::id).forEach(referenced::add);
            }
          });
          List<ChunkId> orphans = new ArrayList<>(candidates);
          orphans.removeAll(referenced);
          int deleted = tables.deleteChunks(connection, orphans);
          return new Result(manifests[0], referenced.size(), candidates.size(), deleted);
        }));
  }
}
