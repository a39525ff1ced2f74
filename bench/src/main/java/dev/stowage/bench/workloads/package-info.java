/**
 * What runs against a system (W1 to W6, the JIT warm-up, the memory footprint) and how it is
 * driven and timed: clients, phases, measurements. Imports {@code targets} and {@code report}.
 */
package dev.stowage.bench.workloads;
