package dev.stowage.app.crash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The child process of {@link PowerCutLayerTest}: loads the layer, does one scenario's writes
 * through it, prints what it saw ({@code key value} lines) and cuts the power.
 *
 * <p>Arguments: library, scenario ({@code bytes-drop}, {@code bytes-garble}, {@code bytes-at-sync}, {@code sqlite}),
 * the scenario's files, the sync log.
 */
public final class PowerCutProbe {
  /** The garble scenario's unsynced ranges: offset {@code i * 1500}, length {@code 200 + 10 i}. */
  static final int GARBLE_RANGES = 24;

  private final PowerCutLayer layer;

  private PowerCutProbe(PowerCutLayer layer) {
    this.layer = layer;
  }

  public static void main(String[] args) throws Exception {
    PowerCutProbe probe = new PowerCutProbe(PowerCutLayer.load(Path.of(args[0])));
    Path syncLog = Path.of(args[args.length - 1]);
    switch (args[1]) {
      case "bytes-drop" -> probe.bytesDrop(Path.of(args[2]), Path.of(args[3]), syncLog);
      case "bytes-garble" -> probe.bytesGarble(Path.of(args[2]), syncLog);
      case "bytes-at-sync" -> probe.bytesAtSync(Path.of(args[2]), Path.of(args[3]), syncLog);
      case "sqlite" -> probe.sqlite(Path.of(args[2]), syncLog);
      default -> throw new IllegalArgumentException("no scenario " + args[1]);
    }
  }

  /** {@code file}: 20,000 bytes of 'a'; {@code other}: 10,000 bytes of 'a'. */
  private void bytesDrop(Path file, Path other, Path syncLog) throws Exception {
    write(file, 100, fill('b', 4900));
    sync(file);
    write(file, 6000, fill('c', 1000));
    write(file, 19000, fill('d', 3000)); // past the end: 22,000 bytes
    truncate(other, 100);
    print("own-read", HexFormat.of().formatHex(read(file, 5990, 20)));
    print("own-read-past-end", HexFormat.of().formatHex(read(file, 21990, 20)));
    print("other-own-read", HexFormat.of().formatHex(read(other, 90, 20)));
    print("disk-at-6000", Character.toString(Files.readAllBytes(file)[6000]));
    print("disk-size", Long.toString(Files.size(file)));
    layer.files().forEach(state -> print("file", state.path().getFileName() + " " + state.syncs() + " " + state.pendingBytes()));
    layer.cut(PowerCutLayer.CutMode.DROP, PowerCutLayer.Moment.NOW, 1, syncLog);
  }

  /** {@code file}: 65,536 bytes of 0x5a. */
  private void bytesGarble(Path file, Path syncLog) throws Exception {
    write(file, 40_000, fill(0x22, 1000));
    sync(file);
    for (int i = 0; i < GARBLE_RANGES; i++) {
      write(file, i * 1500L, fill(0x11, 200 + 10 * i));
    }
    layer.cut(PowerCutLayer.CutMode.GARBLE, PowerCutLayer.Moment.NOW, 7, syncLog);
  }

  /** {@code file}: 1,000 bytes of 'a'; {@code other}: any. The cut waits for a sync with writes pending. */
  private void bytesAtSync(Path file, Path other, Path syncLog) throws Exception {
    write(file, 0, fill('b', 100));
    sync(file);
    layer.cut(PowerCutLayer.CutMode.DROP, PowerCutLayer.Moment.NEXT_SYNC, 1, syncLog);
    print("armed", "yes");
    sync(other); // nothing pending there: no cut
    print("clean-sync", "survived");
    write(file, 200, fill('c', 100));
    print("written", "yes");
    sync(file); // the cut
    print("pending-sync", "survived");
  }

  /** A table in WAL mode: one row committed with fsync, one without. */
  private void sqlite(Path db, Path syncLog) throws Exception {
    try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + db);
        Connection reader = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement w = writer.createStatement();
        Statement r = reader.createStatement()) {
      w.execute("PRAGMA journal_mode = WAL");
      w.execute("PRAGMA synchronous = FULL");
      w.execute("CREATE TABLE t(x)");
      w.execute("INSERT INTO t VALUES ('synced')");
      w.execute("PRAGMA synchronous = OFF");
      w.execute("INSERT INTO t VALUES ('not synced')");
      try (ResultSet rows = r.executeQuery("SELECT count(*) FROM t")) {
        rows.next();
        print("rows-seen-by-reader", Integer.toString(rows.getInt(1)));
      }
      layer.cut(PowerCutLayer.CutMode.DROP, PowerCutLayer.Moment.NOW, 1, syncLog);
    }
  }

  private void write(Path file, long offset, byte[] bytes) throws SQLException {
    call("SELECT powercut_file_write(?, ?, ?)", file, offset, bytes);
  }

  private byte[] read(Path file, long offset, int n) throws SQLException {
    return (byte[]) call("SELECT powercut_file_read(?, ?, ?)", file, offset, n);
  }

  private void truncate(Path file, long size) throws SQLException {
    call("SELECT powercut_file_truncate(?, ?)", file, size);
  }

  private void sync(Path file) throws SQLException {
    call("SELECT powercut_file_sync(?)", file);
  }

  private Object call(String sql, Path file, Object... args) throws SQLException {
    try (PreparedStatement call = layer.controlConnection().prepareStatement(sql)) {
      call.setString(1, file.toAbsolutePath().toString());
      for (int i = 0; i < args.length; i++) {
        call.setObject(i + 2, args[i]);
      }
      try (ResultSet result = call.executeQuery()) {
        result.next();
        return result.getObject(1);
      }
    }
  }

  static byte[] fill(int value, int n) {
    byte[] bytes = new byte[n];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  private static void print(String key, String value) {
    System.out.println(key + " " + value);
    System.out.flush();
  }
}
