/** The JMH micro-benchmarks of the codec, the cipher and the wire form. Imports {@code workloads}. */
package dev.stowage.bench.jmh;
