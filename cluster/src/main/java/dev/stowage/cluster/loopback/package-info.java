/**
 * Not part of cluster mode: a harness that runs a cluster of several nodes in one JVM, on the
 * loopback interface ({@link dev.stowage.cluster.loopback.LoopbackCluster}), for {@code bin/stowage
 * demo --cluster N} and the tests. It lives in main code because the demo, which ships, runs on it;
 * a real deployment runs one node per machine (docs/scale-out.md). Imports nothing of Stowage's
 * cluster mode, which imports nothing of it.
 */
package dev.stowage.cluster.loopback;
