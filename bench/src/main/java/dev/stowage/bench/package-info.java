/**
 * {@code bin/stowage bench}: the command ({@link dev.stowage.bench.BenchCommand}) and the runner
 * that puts every selected workload against every selected system. Its rooms: {@code targets}
 * (Stowage and the systems it is measured against), {@code workloads} (what runs against them, and
 * how it is timed), {@code report} (results, goals, tables and charts), {@code jmh} (the
 * micro-benchmarks). Each imports only the rooms before it in the order targets, report,
 * workloads, jmh.
 */
package dev.stowage.bench;
