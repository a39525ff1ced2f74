package dev.stowage.bench;

/** The systems the harness compares, in the order of issue 7. */
public enum SystemKind {
  STOWAGE("stowage", "Stowage (WorkspaceStorage façade)"),
  LOCK_COMMIT("lock-commit", "Lock + commit per call"),
  THREAD_LOCK("thread-lock", "Thread + lock"),
  CAFFEINE_JDBC("caffeine-jdbc", "Caffeine + JDBC"),
  RAW_SQLITE("raw-sqlite", "Raw SQLite limit");

  private final String id;
  private final String label;

  SystemKind(String id, String label) {
    this.id = id;
    this.label = label;
  }

  /** Short name used in JSON, the command line and chart legends. */
  public String id() {
    return id;
  }

  /** Name used in the published table. */
  public String label() {
    return label;
  }

  /** Opens this system in {@code options.dir()}. */
  public BenchTarget open(TargetOptions options) throws Exception {
    return switch (this) {
      case STOWAGE -> StowageTarget.open(options);
      case LOCK_COMMIT -> new LockCommitTarget(JdbcStore.open(options));
      case THREAD_LOCK -> new ThreadLockTarget(JdbcStore.open(options));
      case CAFFEINE_JDBC -> new CaffeineJdbcTarget(JdbcStore.open(options), options.maxActive());
      case RAW_SQLITE -> RawSqliteTarget.open(options);
    };
  }

  /** The system named {@code id} (as in {@link #id()}). */
  public static SystemKind byId(String id) {
    for (SystemKind kind : values()) {
      if (kind.id.equalsIgnoreCase(id.trim())) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown system '" + id + "'");
  }
}
