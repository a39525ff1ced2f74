package dev.stowage.app.crash;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;

/**
 * The power-cut layer: a SQLite VFS shim ({@code powercut_vfs.c}, beside this class in the jar)
 * that keeps every write of a process in memory until the file is synced, and on a cut loses (or
 * garbles) whatever was not synced and ends the process at once. See the C file's comment for its
 * design and limits.
 *
 * <p><b>Building.</b> {@link #library()} compiles the C source with {@code gcc -O2 -shared -fPIC}
 * into a cache directory named after the source's hash (system property {@code
 * stowage.powercut.cache}, by default {@code stowage/powercut} in the user's cache directory,
 * {@code $XDG_CACHE_HOME} or {@code ~/.cache}), once:
 * later calls, and other processes, reuse the library. Missing {@code gcc} or {@code sqlite3ext.h}
 * (Debian's {@code libsqlite3-dev}) is an {@link UnavailableException} naming what to install; any
 * other compiler error is a bug, an {@link IllegalStateException}.
 *
 * <p><b>Loading.</b> {@link #load(Path)}, in the process to be cut and before it opens any
 * database, loads the library into sqlite-jdbc's SQLite through a control connection (an
 * in-memory database with extension loading enabled). The layer then is the default VFS, so every
 * connection opened afterwards goes through it; the control connection stays open for {@link
 * #cut} and {@link #files()}.
 */
public final class PowerCutLayer implements AutoCloseable {
  /** The exit code of a process whose power was cut ({@code PC_CUT_EXIT} in the C source). */
  public static final int CUT_EXIT_CODE = 86;
  private static final String SOURCE = "powercut_vfs.c";
  private static final String ENTRY_POINT = "sqlite3_powercut_init";

  /** What a cut does to the writes not yet synced. */
  public enum CutMode {
    /** Every write since its file's last sync is lost. */
    DROP,
    /** Each range written since its file's last sync reaches the disk intact, as random bytes, or not at all. */
    GARBLE;

    public String sqlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static CutMode parse(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /** When a cut happens. */
  public enum Moment {
    /** At once. */
    NOW,
    /** In the next sync of a file with writes pending, before they are applied: a commit written, not yet durable. */
    NEXT_SYNC;

    public String sqlName() {
      return this == NOW ? "now" : "sync";
    }

    static Moment parse(String name) {
      return name.equals("sync") ? NEXT_SYNC : valueOf(name.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * One file the layer knows, from {@link #files()} or a cut's sync log.
   *
   * @param lastSyncNanos {@code CLOCK_MONOTONIC} (= {@link System#nanoTime()}) of its last sync, 0 if never synced
   * @param pendingBytes bytes written since its last sync (overlapping writes count twice)
   * @param kept ranges a garbling cut let reach the disk intact
   * @param garbled ranges a garbling cut overwrote with random bytes
   * @param lost ranges the cut lost
   */
  public record FileState(Path path, long lastSyncNanos, long syncs, long pendingBytes, long pendingRanges,
      long kept, long garbled, long lost) {
    public boolean everSynced() {
      return syncs > 0;
    }
  }

  /** What a cut's sync log says: the cut, and every file as it was then. */
  public record SyncLog(CutMode mode, Moment moment, long seed, long cutNanos, List<FileState> files) {
    public SyncLog {
      files = List.copyOf(files);
    }

    /** The file whose name is {@code fileName}, if the layer knew one. */
    public Optional<FileState> file(String fileName) {
      return files.stream().filter(file -> file.path().getFileName().toString().equals(fileName)).findFirst();
    }
  }

  /** The layer cannot be built here: what is missing, and what to install. */
  public static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message);
    }
  }

  private final SQLiteConnection control;

  private PowerCutLayer(SQLiteConnection control) {
    this.control = control;
  }

  /** The compiled layer (compiling it on first use), or why it cannot be built here. */
  public static synchronized Path library() throws UnavailableException {
    byte[] source = source();
    Path dir = cacheDirectory().resolve(sha256(source).substring(0, 16));
    Path library = dir.resolve("powercut_vfs.so");
    if (Files.isRegularFile(library)) {
      return library;
    }
    try {
      Files.createDirectories(dir);
      Path sourceFile = dir.resolve(SOURCE);
      Files.write(sourceFile, source);
      Path building = Files.createTempFile(dir, "powercut_vfs", ".so.tmp");
      try {
        compile(sourceFile, building);
        try {
          Files.move(building, library, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(building, library, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(building);
      }
      return library;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the power-cut layer in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Null if the layer can be built here, else what is missing. */
  public static String unavailableReason() {
    try {
      library();
      return null;
    } catch (UnavailableException e) {
      return e.getMessage();
    }
  }

  private static void compile(Path source, Path output) throws IOException, UnavailableException {
    List<String> command = List.of("gcc", "-O2", "-shared", "-fPIC", "-pthread", "-o", output.toString(), source.toString());
    Process gcc;
    try {
      gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UnavailableException("the power-cut layer needs gcc to compile " + SOURCE
          + ", and gcc was not found (" + e.getMessage() + "); install gcc (Debian: apt-get install gcc libsqlite3-dev)");
    }
    String messages;
    try (InputStream in = gcc.getInputStream()) {
      messages = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!gcc.waitFor(120, TimeUnit.SECONDS)) {
        gcc.destroyForcibly();
        throw new IllegalStateException("gcc did not finish compiling " + source + " within 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while compiling " + source, e);
    }
    if (gcc.exitValue() == 0) {
      return;
    }
    if (messages.contains("sqlite3ext.h")) {
      throw new UnavailableException("the power-cut layer needs SQLite's extension header sqlite3ext.h, which gcc "
          + "did not find; install libsqlite3-dev (Debian: apt-get install libsqlite3-dev)");
    }
    throw new IllegalStateException("gcc failed to compile " + source + " (exit " + gcc.exitValue() + "):\n" + messages);
  }

  private static byte[] source() {
    try (InputStream in = PowerCutLayer.class.getResourceAsStream(SOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SOURCE + " is missing from the classpath, next to " + PowerCutLayer.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The user's own cache, not a shared temporary directory: a library found there gets loaded. */
  private static Path cacheDirectory() {
    String configured = System.getProperty("stowage.powercut.cache");
    if (configured != null) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("stowage").resolve("powercut");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Loads the layer into this process's SQLite (sqlite-jdbc's): from now on every database opened
   * in the process goes through it. Call it before opening any database.
   */
  public static PowerCutLayer load(Path library) {
    SQLiteConfig config = new SQLiteConfig();
    config.enableLoadExtension(true);
    try {
      SQLiteConnection control = (SQLiteConnection) config.createConnection("jdbc:sqlite::memory:");
      try (PreparedStatement load = control.prepareStatement("SELECT load_extension(?, ?)")) {
        load.setString(1, library.toString());
        load.setString(2, ENTRY_POINT);
        load.execute();
      } catch (SQLException e) {
        control.close();
        throw e;
      }
      return new PowerCutLayer(control);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot load the power-cut layer " + library + " into SQLite: " + e.getMessage(), e);
    }
  }

  /**
   * Cuts the power at {@code moment}: the writes not synced are lost (or garbled, by {@code mode},
   * from {@code seed}), {@code syncLog} receives the state of every file, and the process ends at
   * once with {@link #CUT_EXIT_CODE}. {@link Moment#NOW} never returns; {@link Moment#NEXT_SYNC}
   * returns, and the process ends in the next sync of a file with pending writes.
   */
  public void cut(CutMode mode, Moment moment, long seed, Path syncLog) {
    try (PreparedStatement cut = control.prepareStatement("SELECT powercut_cut(?, ?, ?, ?)")) {
      cut.setString(1, mode.sqlName());
      cut.setLong(2, seed);
      cut.setString(3, syncLog.toString());
      cut.setString(4, moment.sqlName());
      cut.execute();
    } catch (SQLException e) {
      throw new IllegalStateException("the power cut failed: " + e.getMessage(), e);
    }
    if (moment == Moment.NOW) {
      throw new IllegalStateException("the power cut returned: the process should have ended");
    }
  }

  /** Every file the layer knows, as it is now. */
  public List<FileState> files() {
    try (PreparedStatement stats = control.prepareStatement("SELECT powercut_stats()");
        ResultSet row = stats.executeQuery()) {
      row.next();
      return parseFiles(row.getString(1));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the power-cut layer's counters: " + e.getMessage(), e);
    }
  }

  /** The control connection: the layer's own tests call its {@code powercut_file_*} functions through it. */
  SQLiteConnection controlConnection() {
    return control;
  }

  /** Reads the sync log a cut wrote. */
  public static SyncLog readSyncLog(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", 2);
    String[] cut = lines[0].split(" ");
    if (cut.length != 5 || !cut[0].equals("cut")) {
      throw new IOException(file + " is not a power-cut sync log: it starts with '" + lines[0] + "'");
    }
    return new SyncLog(CutMode.parse(cut[1]), Moment.parse(cut[4]), Long.parseLong(cut[2]), Long.parseLong(cut[3]),
        parseFiles(lines.length > 1 ? lines[1] : ""));
  }

  private static List<FileState> parseFiles(String text) {
    List<FileState> files = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(" ", 9);
      files.add(new FileState(Path.of(f[8]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
          Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7])));
    }
    return files;
  }

  @Override
  public void close() throws SQLException {
    control.close();
  }
}
