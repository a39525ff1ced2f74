package dev.stowage.actors.serialization;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.ManifestCommand;
import dev.stowage.protocol.StorageCommand.ManifestKinds;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.SetManifest;
import java.io.NotSerializableException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The wire form of the messages on cluster mode's hot path: the four manifest commands a node
 * sends to an entity on another node, and the manifest an entity answers a read with.
 *
 * <p>Jackson CBOR, which carries every other message of the protocol, took a sixth of all CPU of a
 * three-node write workload (docs/benchmarks.md, "Round trips and hops"): reflection over the
 * records, the allow-list check and the actor-ref text parsed through Jackson on every message.
 * This writes the same content in a fixed layout instead:
 *
 * <pre>
 *   command  = version:u8 (1), entry id:16, body
 *   GM, EP, CM body = replyTo
 *   SM body  = flags:u8 (bit 0: cache-only), removed-count:i32, removed ids:16 each, replyTo, manifest
 *   PM body  = replyTo, manifest (the fetched one)
 *   LM       = version:u8 (1), manifest
 *   replyTo  = length:i32, UTF-8 of ActorRefResolver's serialization format
 *   manifest = the rest: ManifestCodec's stored form (versioned CBOR, validated when read)
 * </pre>
 *
 * A message of another layout version, truncated, or whose manifest does not decode is refused
 * with {@link NotSerializableException}, which Pekko logs and drops; the sender's ask times out.
 */
public final class ManifestCommandSerializer extends SerializerWithStringManifest {
  /** Unique among the serializers of an ActorSystem (Pekko's own stay below 100). */
  public static final int IDENTIFIER = 7_302;

  /** The layout this code writes and reads. */
  private static final byte LAYOUT_VERSION = 1;
  private static final byte CACHE_ONLY = 1;

  private static final String GET = "GM";
  private static final String SET = "SM";
  private static final String ENSURE = "EP";
  private static final String CLEAR = "CM";
  private static final String POPULATE = "PM";
  private static final String MANIFEST = "LM";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  public ManifestCommandSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  /** The string manifest of each kind of command. */
  private static final ManifestKinds<String> NAMES = new ManifestKinds<>() {
    @Override
    public String get(GetManifest command) {
      return GET;
    }

    @Override
    public String set(SetManifest command) {
      return SET;
    }

    @Override
    public String ensure(EnsureManifestPersistent command) {
      return ENSURE;
    }

    @Override
    public String clear(ClearManifest command) {
      return CLEAR;
    }

    @Override
    public String populate(PopulateManifest command) {
      return POPULATE;
    }
  };

  /** The bytes of each kind of command. */
  private final ManifestKinds<byte[]> layouts = new ManifestKinds<>() {
    @Override
    public byte[] get(GetManifest get) {
      return withReplyTo(get.id(), get.replyTo());
    }

    @Override
    public byte[] set(SetManifest set) {
      byte[] replyTo = refBytes(set.replyTo());
      byte[] manifest = ManifestCodec.encode(set.manifest());
      ByteBuffer out = ByteBuffer.allocate(1 + 16 + 1 + 4 + 16 * set.removedChunkIds().size() + 4 + replyTo.length
          + manifest.length);
      header(out, set.id().value());
      out.put(set.cacheOnly() ? CACHE_ONLY : 0);
      out.putInt(set.removedChunkIds().size());
      for (ChunkId removed : set.removedChunkIds()) {
        uuid(out, removed.value());
      }
      out.putInt(replyTo.length).put(replyTo);
      return out.put(manifest).array();
    }

    @Override
    public byte[] ensure(EnsureManifestPersistent ensure) {
      return withReplyTo(ensure.id(), ensure.replyTo());
    }

    @Override
    public byte[] clear(ClearManifest clear) {
      return withReplyTo(clear.id(), clear.replyTo());
    }

    @Override
    public byte[] populate(PopulateManifest populate) {
      byte[] replyTo = refBytes(populate.replyTo());
      byte[] manifest = ManifestCodec.encode(populate.fetched());
      ByteBuffer out = ByteBuffer.allocate(1 + 16 + 4 + replyTo.length + manifest.length);
      header(out, populate.id().value());
      out.putInt(replyTo.length).put(replyTo);
      return out.put(manifest).array();
    }
  };

  @Override
  public String manifest(Object o) {
    if (o instanceof ManifestCommand command) {
      return command.kind(NAMES);
    } else if (o instanceof LocalManifest) {
      return MANIFEST;
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName() + " with " + getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ManifestCommand command) {
      return command.kind(layouts);
    } else if (o instanceof LocalManifest manifest) {
      byte[] encoded = ManifestCodec.encode(manifest);
      return ByteBuffer.allocate(1 + encoded.length).put(LAYOUT_VERSION).put(encoded).array();
    }
    throw new IllegalArgumentException("cannot serialize " + o.getClass().getName() + " with " + getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      byte version = in.get();
      if (version != LAYOUT_VERSION) {
        throw new NotSerializableException(
            "a " + manifest + " message of layout version " + version + "; this code reads version " + LAYOUT_VERSION);
      }
      switch (manifest) {
        case MANIFEST:
          return ManifestCodec.decode(rest(in));
        case SET: {
          EntryId id = new EntryId(uuid(in));
          boolean cacheOnly = (in.get() & CACHE_ONLY) != 0;
          int removedCount = in.getInt();
          if (removedCount < 0 || removedCount > in.remaining() / 16) {
            throw new NotSerializableException("a SetManifest claiming " + removedCount + " removed chunk ids");
          }
          Set<ChunkId> removed = new HashSet<>(removedCount * 2);
          for (int i = 0; i < removedCount; i++) {
            removed.add(new ChunkId(uuid(in)));
          }
          ActorRef<StatusReply<Done>> replyTo = ref(in);
          return new SetManifest(id, ManifestCodec.decode(rest(in)), cacheOnly, removed, replyTo);
        }
        case GET:
          return new GetManifest(new EntryId(uuid(in)), ref(in));
        case ENSURE:
          return new EnsureManifestPersistent(new EntryId(uuid(in)), ref(in));
        case CLEAR:
          return new ClearManifest(new EntryId(uuid(in)), ref(in));
        case POPULATE: {
          EntryId id = new EntryId(uuid(in));
          ActorRef<StatusReply<LocalManifest>> replyTo = ref(in);
          return new PopulateManifest(id, ManifestCodec.decode(rest(in)), replyTo);
        }
        default:
          throw new NotSerializableException("unknown manifest " + manifest + " for " + getClass().getName());
      }
    } catch (BufferUnderflowException e) {
      throw new NotSerializableException("a truncated " + manifest + " message (" + bytes.length + " bytes)");
    } catch (CorruptEntryException e) {
      throw new NotSerializableException("a " + manifest + " message whose manifest does not decode: " + e.getMessage());
    }
  }

  private byte[] withReplyTo(EntryId id, ActorRef<?> replyTo) {
    byte[] ref = refBytes(replyTo);
    ByteBuffer out = ByteBuffer.allocate(1 + 16 + 4 + ref.length);
    header(out, id.value());
    return out.putInt(ref.length).put(ref).array();
  }

  private static void header(ByteBuffer out, UUID id) {
    out.put(LAYOUT_VERSION);
    uuid(out, id);
  }

  private static void uuid(ByteBuffer out, UUID id) {
    out.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
  }

  private static UUID uuid(ByteBuffer in) {
    return new UUID(in.getLong(), in.getLong());
  }

  private static byte[] rest(ByteBuffer in) {
    byte[] rest = new byte[in.remaining()];
    in.get(rest);
    return rest;
  }

  private byte[] refBytes(ActorRef<?> ref) {
    return resolver().toSerializationFormat(ref).getBytes(StandardCharsets.UTF_8);
  }

  private <T> ActorRef<T> ref(ByteBuffer in) throws NotSerializableException {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new NotSerializableException("an actor ref of " + length + " bytes in a message of " + in.capacity());
    }
    String path = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
    in.position(in.position() + length);
    return resolver().resolveActorRef(path);
  }

  /** Looked up on first use: a serializer is created while its ActorSystem is still starting. */
  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }
}
