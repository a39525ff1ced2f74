package dev.stowage.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.protocol.InvalidRequestException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyTest {
  @TempDir Path dir;

  @Test
  void aSavedKeyLoadsBackWithMode0600() throws Exception {
    LocalKey key = LocalKey.generate();
    Path file = dir.resolve("keys/workspace.key");

    key.save(file);

    assertThat(LocalKey.load(file)).isEqualTo(key);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file).strip()).hasSize(64);
  }

  @Test
  void anExistingKeyFileIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("k");
    LocalKey first = LocalKey.generate();
    first.save(file);

    assertThatThrownBy(() -> LocalKey.generate().save(file)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(LocalKey.load(file)).isEqualTo(first);
  }

  @Test
  void aKeyFileThatCannotBeWrittenIsAnIoExceptionNamingTheFile() throws Exception {
    Path underAFile = Files.writeString(dir.resolve("a-file"), "").resolve("workspace.key");
    Path locked = Files.createDirectory(dir.resolve("locked"));
    Path inLocked = locked.resolve("workspace.key");
    Assumptions.assumeTrue(Unwritable.make(locked), "no way to make a directory unwritable here");
    try {
      assertThatThrownBy(() -> LocalKey.generate().save(inLocked))
          .isInstanceOf(IOException.class).hasMessageStartingWith("cannot write key file " + inLocked + ": ");
    } finally {
      Unwritable.undo(locked);
    }
    assertThatThrownBy(() -> LocalKey.generate().save(underAFile))
        .isInstanceOf(IOException.class).hasMessageStartingWith("cannot write key file " + underAFile + ": ");
    try (var files = Files.list(locked)) {
      assertThat(files).as("no temporary file left behind").isEmpty();
    }
  }

  @Test
  void aFileThatHoldsNoKeyIsAnInvalidRequestNamingTheFile() throws Exception {
    Path shortFile = Files.writeString(dir.resolve("short"), "abcd");
    Path notHex = Files.writeString(dir.resolve("nothex"), "z".repeat(64));

    assertThatThrownBy(() -> LocalKey.load(shortFile))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining(shortFile.toString());
    assertThatThrownBy(() -> LocalKey.load(notHex)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> LocalKey.load(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aFileOfRandomBytesIsRefusedSayingWhatItIsAndWhatAKeyFileMustBe() throws Exception {
    byte[] random = new byte[100];
    new Random(12).nextBytes(random);
    random[0] = (byte) 0x9f;
    Path file = Files.write(dir.resolve("random.key"), random);

    assertThatThrownBy(() -> LocalKey.load(file))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("key file " + file + " does not hold a key: it is 100 bytes, and byte 0 (0x9f) is not a hex digit;"
            + " a key file holds the 32-byte key as 64 hex digits and a newline (65 bytes), as LocalKey.save writes it");
  }

  @Test
  void aKeyFileOfTheWrongLengthOrSizeSaysSo() throws Exception {
    Path tooFewDigits = Files.writeString(dir.resolve("short.key"), "ab".repeat(20) + "\n");
    Path tooLarge = Files.write(dir.resolve("large.key"), new byte[5000]);
    Path rawKey = Files.write(dir.resolve("raw.key"), LocalKey.generate().bytes());

    assertThatThrownBy(() -> LocalKey.load(tooFewDigits)).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("it holds 40 hex digits;").hasMessageContaining("64 hex digits and a newline");
    assertThatThrownBy(() -> LocalKey.load(tooLarge)).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("it is 5000 bytes;").hasMessageContaining("(65 bytes)");
    assertThatThrownBy(() -> LocalKey.load(rawKey)).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("does not hold a key");
  }

  @Test
  void whiteSpaceAroundTheDigitsIsAllowed() throws Exception {
    LocalKey key = LocalKey.generate();
    Path file = Files.writeString(dir.resolve("spaced.key"), "  " + HexFormat.of().formatHex(key.bytes()) + "\r\n\n");

    assertThat(LocalKey.load(file)).isEqualTo(key);
  }

  @Test
  void keysAreThirtyTwoBytesAndCopiedDefensively() {
    byte[] bytes = new byte[32];
    LocalKey key = LocalKey.of(bytes);
    bytes[0] = 1;

    assertThat(key.bytes()).containsOnly(0);
    assertThatThrownBy(() -> LocalKey.of(new byte[31])).isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> LocalKey.of(null)).isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void toStringShowsAFingerprintNeverTheKey() {
    LocalKey key = LocalKey.generate();

    assertThat(key.toString()).doesNotContain(HexFormat.of().formatHex(key.bytes()))
        .contains(key.fingerprint());
    assertThat(key.fingerprint()).hasSize(16);
  }
}
