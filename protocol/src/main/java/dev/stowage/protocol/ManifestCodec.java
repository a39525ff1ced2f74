package dev.stowage.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * The stored form of a manifest: a CBOR map {@code {"format": 1, "manifest": {"type": ..., ...}}}.
 *
 * <p>The format version comes first so that data written by a newer Stowage is refused with a
 * clear message before its content is interpreted. Unknown fields are ignored (a newer minor
 * revision may add some); an unknown type, a missing field, a value out of range, truncated or
 * garbage bytes are a {@link CorruptEntryException} that says what was wrong.
 *
 * <p>Thread-safe; encoding and decoding allocate only the result.
 */
public final class ManifestCodec {

  /**
   * The format this code writes, and the newest it reads. 2 (issue 28): a {@link ChunkRef} has a
   * fourth element, whether it was uploaded; format 1's three-element refs read as not uploaded. A
   * row is written in format 2 the next time its manifest is written; older code refuses it by its
   * version, with a message, instead of misreading it.
   */
  public static final int FORMAT_VERSION = 2;

  private static final CBORMapper MAPPER =
      CBORMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new SimpleModule("stowage-ids")
              .addSerializer(new IdSerializer<>(EntryId.class, EntryId::toBytes))
              .addSerializer(new IdSerializer<>(ChunkId.class, ChunkId::toBytes)))
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .build();
  private static final ObjectWriter WRITER = MAPPER.writerFor(LocalManifest.class);
  private static final ObjectReader READER = MAPPER.readerFor(LocalManifest.class);

  private ManifestCodec() {}

  public static byte[] encode(LocalManifest manifest) {
    Require.nonNull(manifest, "manifest");
    ByteArrayOutputStream out = new ByteArrayOutputStream(initialCapacity(manifest));
    try (CBORGenerator generator = MAPPER.getFactory().createGenerator(out)) {
      generator.writeStartObject();
      generator.writeNumberField("format", FORMAT_VERSION);
      generator.writeFieldName("manifest");
      WRITER.writeValue(generator, manifest);
      generator.writeEndObject();
    } catch (IOException e) {
      // Writing ids, numbers and names to memory cannot fail for a manifest ManifestLimits accepts
      // (UTF-8 cannot hold a lone surrogate: that is the one failure seen, and it refuses those).
      throw new UncheckedIOException("cannot encode manifest " + manifest.id() + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** A child's name in bytes, as a guess for sizing the buffer (the names are not walked for it). */
  private static final int GUESSED_NAME_BYTES = 45;

  /**
   * About the encoded size of {@code manifest}, from its number of children or chunk refs, with
   * {@link ManifestLimits}' bounds of each (a folder of a few hundred children grew the buffer five
   * times from 256 bytes, and the copies showed in W7's profile).
   */
  private static int initialCapacity(LocalManifest manifest) {
    int child = ManifestLimits.CHILD_BOUND + GUESSED_NAME_BYTES;
    int entries = manifest instanceof FolderManifest folder ? folder.children().size() * child
        : manifest instanceof FileManifest file ? file.chunks().size() * ManifestLimits.CHUNK_REF_BOUND
        : ((WorkspaceManifest) manifest).children().size() * child;
    return ManifestLimits.FIXED_BOUND + entries;
  }

  /**
   * Writes an id as Jackson's {@code UUIDSerializer} writes the UUID its {@code @JsonValue} gives,
   * in CBOR: its 16 bytes as a byte string, the same bytes (ManifestCodecTest compares them), but
   * without the reflective call of the {@code @JsonValue} accessor per id, which took a third of
   * the samples of folders' encoding in W7's profile (docs/benchmarks.md).
   */
  private static final class IdSerializer<T> extends StdSerializer<T> {
    private final transient Function<T, byte[]> bytes;

    IdSerializer(Class<T> type, Function<T, byte[]> bytes) {
      super(type);
      this.bytes = bytes;
    }

    @Override
    public void serialize(T id, JsonGenerator generator, SerializerProvider provider) throws IOException {
      generator.writeBinary(bytes.apply(id));
    }
  }

  public static LocalManifest decode(byte[] bytes) {
    Require.nonNull(bytes, "encoded manifest");
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw corrupt("it is not a CBOR map");
      }
      int format = -1;
      LocalManifest manifest = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("format".equals(field)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            throw corrupt("its format version is not an integer");
          }
          format = parser.getIntValue();
          if (format < 1 || format > FORMAT_VERSION) {
            throw corrupt(
                "it has format version " + format + "; this code reads versions 1 to "
                    + FORMAT_VERSION + " (was it written by a newer Stowage?)");
          }
        } else if ("manifest".equals(field)) {
          if (format < 0) {
            throw corrupt("its manifest comes before its format version");
          }
          manifest = READER.readValue(parser);
        } else {
          parser.skipChildren();
        }
      }
      if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw corrupt("it has bytes after its end");
      }
      if (manifest == null) {
        throw corrupt(format < 0 ? "it has no format version" : "it has no manifest");
      }
      return manifest;
    } catch (InvalidTypeIdException e) {
      throw corrupt("its type '" + e.getTypeId() + "' is not file, folder or workspace", e);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw corrupt("a value is invalid: " + cause.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw corrupt(e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw corrupt(e.toString(), e);
    }
  }

  private static CorruptEntryException corrupt(String why) {
    return new CorruptEntryException("cannot decode manifest: " + why);
  }

  private static CorruptEntryException corrupt(String why, Throwable cause) {
    return new CorruptEntryException("cannot decode manifest: " + why, cause);
  }
}
