package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.Require;
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

  public static void manifest(EntryId id, LocalManifest manifest, Collection<ChunkId> removedChunkIds) {
    Require.nonNull(id, "entry id");
    Require.nonNull(manifest, "manifest");
    if (!manifest.id().equals(id)) {
      throw new InvalidRequestException("manifest id " + manifest.id() + " differs from the key " + id);
    }
    chunkIds(removedChunkIds, "removed chunk ids");
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
