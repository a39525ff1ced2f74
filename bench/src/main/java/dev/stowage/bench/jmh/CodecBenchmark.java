package dev.stowage.bench.jmh;

import dev.stowage.bench.workloads.Manifests;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** JMH: CBOR encode and decode of a file manifest of 50 chunk refs with the project's codec. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {
  private FileManifest manifest;
  private byte[] encoded;

  @Setup
  public void setup() {
    manifest = Manifests.file(EntryId.random(), Manifests.chunkRefs());
    encoded = ManifestCodec.encode(manifest);
  }

  @Benchmark
  public byte[] encodeFileManifest50Refs() {
    return ManifestCodec.encode(manifest);
  }

  @Benchmark
  public LocalManifest decodeFileManifest50Refs() {
    return ManifestCodec.decode(encoded);
  }
}
