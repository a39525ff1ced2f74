/**
 * The systems a benchmark runs against, behind one interface ({@link
 * dev.stowage.bench.targets.BenchTarget}): Stowage in both modes, the lock-based baselines of the
 * seed, Caffeine over JDBC, raw SQLite and raw PostgreSQL, and their shared DAO. Imports no other
 * room of the benchmark.
 */
package dev.stowage.bench.targets;
