package dev.stowage.bench.jmh;

import dev.stowage.protocol.ChunkId;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.LocalKey;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** JMH: AES-256-GCM seal and open of 4 KiB with the project's cipher (row id bound as associated data). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CipherBenchmark {
  private final BlobCipher cipher = new BlobCipher(LocalKey.generate());
  private final ChunkId id = ChunkId.random();
  private byte[] plain;
  private byte[] sealed;

  @Setup
  public void setup() {
    plain = new byte[4096];
    ThreadLocalRandom.current().nextBytes(plain);
    sealed = cipher.seal(BlobCipher.Kind.CHUNK, id, plain);
  }

  @Benchmark
  public byte[] encrypt4KiB() {
    return cipher.seal(BlobCipher.Kind.CHUNK, id, plain);
  }

  @Benchmark
  public byte[] decrypt4KiB() {
    return cipher.open(BlobCipher.Kind.CHUNK, id, sealed);
  }
}
