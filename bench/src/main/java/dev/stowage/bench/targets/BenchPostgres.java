package dev.stowage.bench.targets;

/**
 * The PostgreSQL the cluster rows and their anchor run on: {@code
 * -Dstowage.bench.pg.url/user/password}, by default the local one of {@code .ci/postgres.sh}. Both
 * use the same server in one run, so their ratio is fair whichever server it is.
 */
final class BenchPostgres {
  private BenchPostgres() {}

  static String url() {
    return System.getProperty("stowage.bench.pg.url", "jdbc:postgresql://127.0.0.1:5432/stowage_test");
  }

  static String user() {
    return System.getProperty("stowage.bench.pg.user", "stowage");
  }

  static String password() {
    return System.getProperty("stowage.bench.pg.password", "stowage");
  }
}
