package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestLimits;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The checks every request passes before it reaches an entity or a gateway (INV-19): the façade
 * runs them to fail fast, the supervisor again for hosts that send the actor protocol directly.
 * Each throws {@link InvalidRequestException} saying what was wrong; nothing has changed then.
 * Public for the other modes of Stowage (module {@code stowage-cluster}), which validate alike.
 */
public final class RequestValidation {
  private RequestValidation() {}

  /** Every check a request of the actor protocol needs, by its kind: what the supervisor runs before serving it. */
  public static void check(StorageCommand.Request request, StorageSettings settings) {
    if (request instanceof SetManifest set) {
      manifest(set.id(), set.manifest(), set.removedChunkIds(), settings);
    } else if (request instanceof StorageCommand.ManifestCommand command) {
      Require.nonNull(command.id(), "entry id");
    } else if (request instanceof SetChunk set) {
      payload(set.id(), set.data(), settings.maxChunkSize(), "chunk");
    } else if (request instanceof SetBlock set) {
      payload(set.id(), set.data(), settings.maxChunkSize(), "block");
    } else if (request instanceof GetChunk get) {
      Require.nonNull(get.id(), "chunk id");
    } else if (request instanceof ClearChunk clear) {
      Require.nonNull(clear.id(), "chunk id");
    } else if (request instanceof GetBlock get) {
      Require.nonNull(get.id(), "block id");
    } else if (request instanceof ClearBlock clear) {
      Require.nonNull(clear.id(), "block id");
    } else if (request instanceof GetLocalChunkIds get) {
      chunkIds(get.ids(), "chunk ids");
    } else if (request instanceof UpdateRealmCheckpoint update) {
      realmCheckpoint(update.checkpoint(), update.changedVlobs());
    } else if (request instanceof SetPreventSyncPattern set) {
      regex(set.regex());
    } else if (request instanceof MarkPreventSyncPatternFullyApplied mark) {
      regex(mark.regex());
    } // the rest carry nothing to check
  }

  /**
   * A manifest write: the id matches, the manifest can be stored and read back exactly ({@link
   * ManifestLimits}: its names, its size under {@code stowage.max-manifest-size}), and its removed
   * chunk ids are no more than {@link StorageSettings#maxRemovedChunkIds()}.
   */
  public static void manifest(EntryId id, LocalManifest manifest, Collection<ChunkId> removedChunkIds,
      StorageSettings settings) {
    Require.nonNull(id, "entry id");
    Require.nonNull(manifest, "manifest");
    if (!manifest.id().equals(id)) {
      throw new InvalidRequestException("manifest id " + manifest.id() + " differs from the key " + id);
    }
    chunkIds(removedChunkIds, "removed chunk ids");
    if (removedChunkIds.size() > settings.maxRemovedChunkIds()) {
      throw new InvalidRequestException("a write of manifest " + id + " removes " + removedChunkIds.size()
          + " chunk ids, more than " + settings.maxRemovedChunkIds() + " (stowage.max-manifest-size / 16)");
    }
    ManifestLimits.requireStorable(manifest, settings.maxManifestSize());
  }

  public static void payload(ChunkId id, byte[] data, int maxChunkSize, String kind) {
    Require.nonNull(id, kind + " id");
    Require.nonNull(data, kind + " data");
    if (data.length > maxChunkSize) {
      throw new InvalidRequestException(kind + " " + id + " has " + data.length
          + " bytes, more than stowage.max-chunk-size (" + maxChunkSize + ")");
    }
  }

  public static void chunkIds(Collection<ChunkId> ids, String what) {
    Require.nonNull(ids, what);
    for (ChunkId id : ids) {
      Require.nonNull(id, "an element of " + what);
    }
  }

  public static void realmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs) {
    Require.nonNegative(checkpoint, "realm checkpoint");
    Require.nonNull(changedVlobs, "changed vlobs");
    changedVlobs.forEach((id, version) -> {
      Require.nonNull(id, "a changed vlob id");
      Require.nonNegative(Require.nonNull(version, "the version of " + id), "the version of " + id);
    });
  }

  public static void regex(String regex) {
    Require.nonNull(regex, "prevent-sync pattern");
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new InvalidRequestException("prevent-sync pattern is not a regular expression: " + e.getMessage(), e);
    }
  }

  /** A prevent-sync pattern is stored as its text: flags must be inline, e.g. {@code (?i)}. */
  public static String regex(Pattern pattern) {
    Require.nonNull(pattern, "prevent-sync pattern");
    // flags() also reports inline flags such as (?i): only flags the text does not carry are lost.
    if (pattern.flags() != Pattern.compile(pattern.pattern()).flags()) {
      throw new InvalidRequestException(
          "prevent-sync pattern was compiled with flags " + pattern.flags() + " that its text does not carry:"
              + " write them inline, e.g. (?i)" + pattern.pattern());
    }
    return pattern.pattern();
  }

  public static void workspaceId(String workspaceId) {
    Require.nonNull(workspaceId, "workspace id");
    if (workspaceId.isBlank() || workspaceId.equals(".") || workspaceId.equals("..")
        || workspaceId.contains("/") || workspaceId.contains("\\") || workspaceId.indexOf('\0') >= 0) {
      throw new InvalidRequestException(
          "workspace id '" + workspaceId + "' is not a valid directory name (no separators, not . or ..)");
    }
  }
}
