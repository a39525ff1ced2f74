package dev.stowage.storage;

/** The two database files of a workspace. */
public enum DatabaseKind {
  /**
   * Manifests ({@code vlobs}), realm checkpoint, prevent-sync pattern and locally written chunks;
   * created with {@code auto_vacuum=INCREMENTAL}, so that {@code runVacuum} can hand its free pages
   * back in steps between write batches instead of rebuilding the file in one transaction.
   */
  DATA("data_v1.sqlite", "INCREMENTAL"),
  /** The bounded LRU cache of downloaded blocks; opened with {@code auto_vacuum=FULL}. */
  CACHE("cache_v1.sqlite", "FULL");

  private final String fileName;
  private final String autoVacuum;

  DatabaseKind(String fileName, String autoVacuum) {
    this.fileName = fileName;
    this.autoVacuum = autoVacuum;
  }

  public String fileName() {
    return fileName;
  }

  /** The {@code auto_vacuum} mode the file is created with. */
  String autoVacuum() {
    return autoVacuum;
  }
}
