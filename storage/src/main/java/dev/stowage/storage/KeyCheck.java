package dev.stowage.storage;

import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;

/**
 * The {@code key_check} table: a known plaintext sealed with the workspace key when the database
 * is created. Opening with another key fails at once with a clear error, instead of every row
 * failing to decrypt later.
 */
public final class KeyCheck {
  private static final byte[] MARKER = "stowage key check v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ROW_ID = new byte[16];
  private static final String GET = "SELECT sealed FROM key_check WHERE _id = 0";
  private static final String PUT = "INSERT INTO key_check (_id, sealed) VALUES (0, ?)";

  private KeyCheck() {}

  /**
   * Stores the check value on first use; afterwards verifies {@code cipher}'s key against it.
   * Runs its own transaction.
   *
   * @throws InvalidRequestException if the key is not the one the database was created with
   */
  public static void verifyOrStore(LocalDatabase db, BlobCipher cipher) {
    byte[] stored = stored(db);
    if (stored == null) {
      byte[] sealed = cipher.seal(BlobCipher.Kind.KEY_CHECK, ROW_ID, MARKER);
      db.begin();
      db.run("store key check", () -> {
        PreparedStatement put = db.statement(PUT);
        put.setBytes(1, sealed);
        return put.executeUpdate();
      });
      db.commit();
      return;
    }
    verifyStored(db, cipher, stored);
  }

  /**
   * Verifies {@code cipher}'s key against the check value, which must be there (a restore checks a
   * backup this way: a file without one was not written by Stowage). Stores nothing.
   *
   * @throws InvalidRequestException if there is no check value, or the key is not the one it was
   *     made with
   */
  public static void verify(LocalDatabase db, BlobCipher cipher) {
    byte[] stored = stored(db);
    if (stored == null) {
      throw new InvalidRequestException(db.file() + " holds no key check: it was not written by Stowage");
    }
    verifyStored(db, cipher, stored);
  }

  private static byte[] stored(LocalDatabase db) {
    return db.run("read key check", () -> {
      try (ResultSet row = db.statement(GET).executeQuery()) {
        return row.next() ? row.getBytes(1) : null;
      }
    });
  }

  private static void verifyStored(LocalDatabase db, BlobCipher cipher, byte[] stored) {
    try {
      // "key check of data_v1.sqlite does not decrypt: ...": the kind's label already says "key check".
      byte[] marker = cipher.open(BlobCipher.Kind.KEY_CHECK, ROW_ID, stored, "of " + db.file().getFileName());
      if (!Arrays.equals(marker, MARKER)) {
        throw new CorruptEntryException("unexpected key check value");
      }
    } catch (CorruptEntryException e) {
      throw new InvalidRequestException(
          "the key does not open " + db.file() + ": it is not the key this workspace was created with", e);
    }
  }
}
