package dev.stowage.protocol;

import java.util.Map;

/**
 * What a manifest must be for Stowage to store it and read it back exactly: checked when a write
 * is accepted (INV-19), so that a value Stowage could not keep is refused at the call with an
 * {@link InvalidRequestException}, never acknowledged and lost later.
 *
 * <h2>Names</h2>
 *
 * A child's name (of a folder or a workspace) is the name of a file-system entry, with the rules of
 * parsec's {@code EntryName}, which Stowage's model follows: not empty, not {@code .} or {@code ..},
 * no {@code /} and no NUL, at most {@value #MAX_NAME_BYTES} bytes in UTF-8. And it must be text:
 * every surrogate in a pair, since UTF-8, the stored form, cannot hold a lone one. Everything else
 * is kept exactly as given, code unit for code unit: emoji and ZWJ sequences, right-to-left text,
 * a byte-order mark, noncharacters, control characters other than NUL. Stowage does not normalize:
 * {@code "é"} (U+00E9) and {@code "e\u0301"} are two names, two children. A client that wants one
 * form (parsec stores NFC) normalizes before it writes.
 *
 * <h2>Size</h2>
 *
 * A manifest's stored form ({@link ManifestCodec}) has at most the workspace's {@code
 * stowage.max-manifest-size} bytes: what cluster mode's transport is sized to carry in one message,
 * and a bound on what one entry holds in memory. The check costs a walk over the names (which the
 * name rules need anyway) and arithmetic: the size is bounded from above by {@link #sizeBound}
 * without encoding, and only a manifest whose bound passes the limit is encoded to learn its size.
 *
 * <p>Stored manifests are not checked when they are read: a name that an older Stowage accepted
 * still reads back.
 */
public final class ManifestLimits {

  /** Longest child name, in bytes of UTF-8 (as parsec's {@code EntryName} and most file systems). */
  public static final int MAX_NAME_BYTES = 255;

  /**
   * Bytes of the stored form beyond the children or chunk refs, at most: the format version, the
   * type, the ids, the versions, the flags, the timestamp and the collection's header, with their
   * field names (167 for a file with the largest numbers and the earliest timestamp, see {@code
   * ManifestLimitsTest}).
   */
  static final int FIXED_BOUND = 256;

  /** Bytes of one child beyond its name's UTF-8, at most: the name's header (2) and the id (1 + 16). */
  static final int CHILD_BOUND = 2 + 17;

  /**
   * Bytes of one chunk ref, at most: its array's start and end (Jackson writes an indefinite-length
   * array: 2), the id (1 + 16), the offset (1 + 8), the size (1 + 4) and whether it was uploaded (1).
   */
  static final int CHUNK_REF_BOUND = 2 + 17 + 9 + 5 + 1;

  private ManifestLimits() {}

  /**
   * Refuses {@code manifest} if Stowage could not store it and read it back exactly: a child's name
   * breaks the rules above, or its stored form has more than {@code maxStoredBytes} bytes.
   *
   * @throws InvalidRequestException saying which name, or how large, and which setting
   */
  public static void requireStorable(LocalManifest manifest, int maxStoredBytes) {
    Require.nonNull(manifest, "manifest");
    long bound = sizeBound(manifest);
    if (bound > maxStoredBytes) {
      int size = ManifestCodec.encode(manifest).length; // only near the limit: the bound errs on the high side
      if (size > maxStoredBytes) {
        throw new InvalidRequestException("manifest " + manifest.id() + " takes " + size
            + " bytes stored, more than stowage.max-manifest-size (" + maxStoredBytes + " bytes)");
      }
    }
  }

  /**
   * An upper bound of the size of {@code manifest}'s stored form, after checking every child's name.
   *
   * @throws InvalidRequestException if a child's name breaks the rules
   */
  static long sizeBound(LocalManifest manifest) {
    if (manifest instanceof FileManifest file) {
      return FIXED_BOUND + (long) CHUNK_REF_BOUND * file.chunks().size();
    } else if (manifest instanceof FolderManifest folder) {
      return FIXED_BOUND + childrenBound(folder.id(), folder.children());
    } else {
      WorkspaceManifest workspace = (WorkspaceManifest) manifest;
      return FIXED_BOUND + childrenBound(workspace.id(), workspace.children());
    }
  }

  private static long childrenBound(EntryId id, Map<String, EntryId> children) {
    long bound = 0;
    for (String name : children.keySet()) {
      int bytes = utf8Length(name);
      if (bytes < 0 || bytes > MAX_NAME_BYTES) {
        throw new InvalidRequestException("a child's name in manifest " + id + " is not valid: " + nameProblem(name));
      }
      bound += CHILD_BOUND + bytes;
    }
    return bound;
  }

  /** Why {@code name} cannot be a child's name, or null if it can. */
  public static String nameProblem(String name) {
    if (name == null) {
      return "a name must not be null";
    }
    if (name.isEmpty()) {
      return "a name must not be empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "'" + name + "' is not a name (it means a folder itself or its parent)";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') {
        return quoted(name) + " has a '/' at index " + i + " (a name is one path element)";
      } else if (c == '\0') {
        return quoted(name) + " has a NUL at index " + i;
      } else if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return quoted(name) + " has a lone surrogate " + codeUnit(c) + " at index " + i
            + " (it is not text: UTF-8, the stored form, cannot hold it)";
      }
    }
    int bytes = utf8Length(name); // text by now: its length in UTF-8
    if (bytes > MAX_NAME_BYTES) {
      return quoted(name) + " has " + bytes + " bytes in UTF-8, more than " + MAX_NAME_BYTES;
    }
    return null;
  }

  /**
   * The length in UTF-8 of {@code name}, walked once; -1 if a character rule rejects it (empty,
   * {@code .} or {@code ..}, a {@code /}, a NUL, a lone surrogate: {@link #nameProblem} says which).
   * The length limit is the caller's.
   */
  private static int utf8Length(String name) {
    int length = name.length();
    if (length == 0 || length == 1 && name.charAt(0) == '.' || length == 2 && name.equals("..")) {
      return -1;
    }
    int bytes = 0;
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      if (c < 0x80) {
        if (c == '/' || c == '\0') {
          return -1;
        }
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (!Character.isSurrogate(c)) {
        bytes += 3;
      } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(name.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        return -1;
      }
    }
    return bytes;
  }

  /**
   * {@code name} in quotes, safe to print and to send: its first 40 characters, with anything but
   * printable ASCII as {@code \}{@code uXXXX} (a lone surrogate copied into a message would make the
   * message itself unencodable).
   */
  private static String quoted(String name) {
    StringBuilder out = new StringBuilder("'");
    int shown = Math.min(name.length(), 40);
    for (int i = 0; i < shown; i++) {
      char c = name.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      } else {
        out.append(codeUnit(c).replace("U+", "\\u"));
      }
    }
    return out.append(name.length() > shown ? "'... (" + name.length() + " chars)" : "'").toString();
  }

  private static String codeUnit(char c) {
    return String.format("U+%04X", (int) c);
  }
}
