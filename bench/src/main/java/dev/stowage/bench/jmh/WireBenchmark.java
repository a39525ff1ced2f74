package dev.stowage.bench.jmh;

import com.typesafe.config.ConfigFactory;
import dev.stowage.bench.workloads.Manifests;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.StorageCommand.SetManifest;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: what a durable {@code SetManifest} (a file manifest of 50 chunk refs, one removed chunk)
 * costs to cross to another node and be read back there, written and read by Pekko's Jackson CBOR
 * serializer against {@link dev.stowage.actors.serialization.ManifestCommandSerializer}, its binding in cluster mode. The reply-to is
 * an actor of a cluster-enabled system, so that its address is written in full.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireBenchmark {
  private static final int JACKSON_CBOR = 33;

  private ActorSystem<Void> system;
  private SetManifest command;
  private SerializerWithStringManifest jackson;
  private SerializerWithStringManifest binary;

  @Setup
  public void setup() {
    system = ActorSystem.create(Behaviors.empty(), "wire-bench", ConfigFactory.parseString(
            "pekko.actor.provider = cluster, pekko.remote.artery.canonical.hostname = 127.0.0.1,"
                + " pekko.remote.artery.canonical.port = 0, pekko.loglevel = WARNING,"
                + " pekko.serialization.jackson.allowed-class-prefix = [\"dev.stowage.\"]")
        .withFallback(ConfigFactory.load()));
    ActorRef<StatusReply<Done>> replyTo = system.systemActorOf(Behaviors.empty(), "reply-to", Props.empty());
    command = new SetManifest(EntryId.random(), Manifests.file(EntryId.random(), Manifests.chunkRefs()), false,
        Set.of(ChunkId.random()), replyTo);
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(system));
    // What Pekko's remoting sets around a message it serializes; Jackson's actor-ref module needs it.
    ExtendedActorSystem classic = (ExtendedActorSystem) Adapter.toClassic(system);
    org.apache.pekko.serialization.Serialization$.MODULE$.currentTransportInformation().value_$eq(
        new Serialization.Information(classic.provider().getDefaultAddress(), classic));
    jackson = (SerializerWithStringManifest) serialization.serializerByIdentity().apply(JACKSON_CBOR);
    binary = (SerializerWithStringManifest) serialization.findSerializerFor(command);
    System.out.printf("%nSetManifest on the wire: %d bytes in Jackson CBOR, %d in the binary layout%n",
        jackson.toBinary(command).length, binary.toBinary(command).length);
  }

  @TearDown
  public void tearDown() {
    system.terminate();
  }

  @Benchmark
  public Object setManifestJacksonCbor() throws Exception {
    return jackson.fromBinary(jackson.toBinary(command), jackson.manifest(command));
  }

  @Benchmark
  public Object setManifestBinary() throws Exception {
    return binary.fromBinary(binary.toBinary(command), binary.manifest(command));
  }
}
