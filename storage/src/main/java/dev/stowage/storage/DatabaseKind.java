package dev.stowage.storage;

/** The two database files of a workspace. */
public enum DatabaseKind {
  /** Manifests ({@code vlobs}), realm checkpoint, prevent-sync pattern and locally written chunks. */
  DATA("data_v1.sqlite", false),
  /** The bounded LRU cache of downloaded blocks; opened with {@code auto_vacuum=FULL}. */
  CACHE("cache_v1.sqlite", true);

  private final String fileName;
  private final boolean autoVacuum;

  DatabaseKind(String fileName, boolean autoVacuum) {
    this.fileName = fileName;
    this.autoVacuum = autoVacuum;
  }

  public String fileName() {
    return fileName;
  }

  boolean autoVacuum() {
    return autoVacuum;
  }
}
