package dev.stowage.bench.targets;

import java.util.List;

/** The systems the harness compares, in the order of issue 7. */
public enum SystemKind {
  STOWAGE("stowage", "Stowage (WorkspaceStorage façade)"),
  LOCK_COMMIT("lock-commit", "Lock + commit per call"),
  THREAD_LOCK("thread-lock", "Thread + lock"),
  CAFFEINE_JDBC("caffeine-jdbc", "Caffeine + JDBC"),
  RAW_SQLITE("raw-sqlite", "Raw SQLite limit"),
  /** One thread, 1,000 rows per transaction, with Stowage's per-row work (CBOR + AES-GCM). */
  RAW_SAME_WORK("raw-same-work", "Raw SQLite, same work"),
  /** Opt-in (needs PostgreSQL): Stowage in cluster mode on one node, W1 only. */
  STOWAGE_CLUSTER_1("stowage-cluster-1", "Stowage cluster mode, 1 node"),
  /** Opt-in (needs PostgreSQL): Stowage in cluster mode on three nodes in this JVM, W1 only. */
  STOWAGE_CLUSTER_3("stowage-cluster-3", "Stowage cluster mode, 3 nodes"),
  /** Opt-in, the cluster rows' anchor: JDBC upserts of the sealed bytes, one per transaction, W1 only. */
  RAW_POSTGRES("raw-postgres", "Raw PostgreSQL, one upsert per transaction");

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
      case RAW_SQLITE -> RawSqliteTarget.diskCeiling(options);
      case RAW_SAME_WORK -> RawSqliteTarget.sameWork(options);
      case STOWAGE_CLUSTER_1 -> StowageTarget.openCluster(options, 1);
      case STOWAGE_CLUSTER_3 -> StowageTarget.openCluster(options, 3);
      case RAW_POSTGRES -> RawPostgresTarget.open(options);
    };
  }

  /** The systems run by default; the cluster rows only with {@code --cluster}. */
  public static List<SystemKind> standard() {
    return List.of(STOWAGE, LOCK_COMMIT, THREAD_LOCK, CAFFEINE_JDBC, RAW_SQLITE, RAW_SAME_WORK);
  }

  /** The realistic alternatives a user would otherwise build: Stowage's goals are ratios to the best of them. */
  public static List<SystemKind> alternatives() {
    return List.of(LOCK_COMMIT, THREAD_LOCK, CAFFEINE_JDBC);
  }

  /**
   * The cluster-mode rows ({@code --cluster}): W1 through one node and through three, and their
   * physical anchor on the same PostgreSQL.
   */
  public static List<SystemKind> cluster() {
    return List.of(STOWAGE_CLUSTER_1, STOWAGE_CLUSTER_3, RAW_POSTGRES);
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
