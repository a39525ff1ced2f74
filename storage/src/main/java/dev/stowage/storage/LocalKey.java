package dev.stowage.storage;

import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.Require;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 32-byte AES-256 key that encrypts one workspace at rest. The key file holds the key as 64
 * hex digits and a newline, and is created with mode 0600.
 *
 * <p>{@link #toString()} never shows key bytes; {@link #fingerprint()} identifies a key in logs
 * and reports without revealing it.
 */
public final class LocalKey {
  public static final int LENGTH = 32;

  /** Largest file {@link #load} reads: a key file is 65 bytes, a little white space aside. */
  private static final int MAX_FILE_SIZE = 4096;

  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] bytes;

  private LocalKey(byte[] bytes) {
    this.bytes = bytes;
  }

  public static LocalKey generate() {
    byte[] bytes = new byte[LENGTH];
    RANDOM.nextBytes(bytes);
    return new LocalKey(bytes);
  }

  /** Wraps a copy of {@code bytes}, which must be exactly 32 bytes. */
  public static LocalKey of(byte[] bytes) {
    Require.nonNull(bytes, "key bytes");
    if (bytes.length != LENGTH) {
      throw new InvalidRequestException("a local key has " + LENGTH + " bytes, got " + bytes.length);
    }
    return new LocalKey(bytes.clone());
  }

  /**
   * Reads a key file written by {@link #save(Path)}: 64 hex digits (white space around them is
   * allowed). Anything else, a file of raw or random bytes for one, is refused with a message that
   * says what the file holds and what a key file must be.
   *
   * @throws IOException if the file cannot be read
   * @throws InvalidRequestException if it does not hold a key
   */
  public static LocalKey load(Path file) throws IOException {
    Require.nonNull(file, "key file");
    long size = Files.size(file);
    if (size > MAX_FILE_SIZE) {
      throw notAKey(file, "it is " + size + " bytes");
    }
    byte[] content = Files.readAllBytes(file);
    String text = new String(content, StandardCharsets.ISO_8859_1); // one char per byte, whatever the bytes
    String digits = text.strip();
    int first = text.indexOf(digits);
    for (int i = 0; i < digits.length(); i++) {
      if (!HexFormat.isHexDigit(digits.charAt(i))) {
        throw notAKey(file, String.format("it is %d bytes, and byte %d (0x%02x) is not a hex digit",
            content.length, first + i, (int) digits.charAt(i)));
      }
    }
    if (digits.length() != 2 * LENGTH) {
      throw notAKey(file, "it holds " + digits.length() + " hex digits");
    }
    return new LocalKey(HexFormat.of().parseHex(digits));
  }

  private static InvalidRequestException notAKey(Path file, String what) {
    return new InvalidRequestException("key file " + file + " does not hold a key: " + what + "; a key file holds the "
        + LENGTH + "-byte key as " + 2 * LENGTH + " hex digits and a newline (" + (2 * LENGTH + 1)
        + " bytes), as LocalKey.save writes it");
  }

  /**
   * Writes the key to a new file with mode 0600 (where the file system has POSIX permissions),
   * creating its directory if need be. An existing file is never overwritten: losing a key loses
   * the data it encrypts.
   *
   * @throws FileAlreadyExistsException if {@code file} exists
   * @throws IOException if it cannot be written, with a message that names {@code file} (the key is
   *     written to a temporary file beside it first, which the cause names)
   */
  public void save(Path file) throws IOException {
    Require.nonNull(file, "key file");
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite a key file");
    }
    Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, ".key-", ".tmp", Posix.ownerOnlyFile());
      try {
        Files.writeString(temp, HexFormat.of().formatHex(bytes) + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new IOException("cannot write key file " + file + ": " + e, e);
    }
  }

  /** A copy of the key bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The first 8 bytes of the key's SHA-256, in hex: names a key without revealing it. */
  public String fingerprint() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LocalKey key && MessageDigest.isEqual(bytes, key.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "LocalKey[" + fingerprint() + "]";
  }
}
