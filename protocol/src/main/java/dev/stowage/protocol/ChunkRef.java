package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;

/**
 * A piece of a file: the chunk holding it, where it starts in the file, how many bytes it has, and
 * whether the chunk was uploaded. Encoded as an array of four elements, so a file of thousands of
 * chunks stays small; an array of three (format 1, before chunks could be marked uploaded) reads
 * as not uploaded.
 *
 * <p>Where a file's chunk is, as in parsec:
 *
 * <ul>
 *   <li>not {@code uploaded}: written locally with {@code setChunk}, not yet on the server. It must
 *       be stored in the chunks (INV-1), and a manifest referencing it must not be committed before
 *       it is;
 *   <li>{@code uploaded}: on the server. After {@code promoteChunkToBlock} its data is in the block
 *       cache, where the LRU may evict it, or nowhere locally: it is fetched again as a block.
 *       {@code fsck} does not require it to be stored.
 * </ul>
 *
 * @param id the chunk that holds the piece, stored with {@code setChunk(id, bytes)}
 * @param offset where the piece starts in the file, in bytes (at least 0)
 * @param size how many bytes the piece has (at least 0)
 * @param uploaded whether the chunk is on the server (so its local copy may be gone)
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonDeserialize(using = ChunkRef.ArrayReader.class)
public record ChunkRef(ChunkId id, long offset, int size, boolean uploaded) {

  public ChunkRef {
    Require.nonNull(id, "chunk ref id");
    Require.nonNegative(offset, "chunk ref offset");
    Require.nonNegative(size, "chunk ref size");
  }

  /** A piece of a chunk written locally and not yet uploaded. */
  public ChunkRef(ChunkId id, long offset, int size) {
    this(id, offset, size, false);
  }

  /** This piece, its chunk marked uploaded: what a sync engine writes once the server has the chunk. */
  public ChunkRef asUploaded() {
    return uploaded ? this : new ChunkRef(id, offset, size, true);
  }

  /**
   * Reads {@code [id, offset, size]} (format 1) and {@code [id, offset, size, uploaded]}; elements
   * after those are ignored, as unknown fields are. A missing element or a value out of range fails
   * the decode (a {@code CorruptEntryException} from {@link ManifestCodec}).
   */
  static final class ArrayReader extends StdDeserializer<ChunkRef> {
    ArrayReader() {
      super(ChunkRef.class);
    }

    @Override
    public ChunkRef deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      if (!parser.isExpectedStartArrayToken()) {
        return (ChunkRef) context.handleUnexpectedToken(ChunkRef.class, parser);
      }
      parser.nextToken();
      ChunkId id = context.readValue(parser, ChunkId.class);
      long offset = next(parser, context, JsonToken.VALUE_NUMBER_INT, "offset").getLongValue();
      int size = next(parser, context, JsonToken.VALUE_NUMBER_INT, "size").getIntValue();
      boolean uploaded = false;
      JsonToken token = parser.nextToken();
      if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
        uploaded = token == JsonToken.VALUE_TRUE;
        token = parser.nextToken();
      }
      while (token != JsonToken.END_ARRAY) { // elements a newer minor revision added: ignored, like unknown fields
        if (token == null) {
          context.reportInputMismatch(ChunkRef.class, "a chunk ref ends before its closing bracket");
        }
        parser.skipChildren();
        token = parser.nextToken();
      }
      try {
        return new ChunkRef(id, offset, size, uploaded);
      } catch (InvalidRequestException e) {
        context.reportInputMismatch(ChunkRef.class, "a chunk ref is invalid: %s", e.getMessage());
        return null;
      }
    }

    private static JsonParser next(JsonParser parser, DeserializationContext context, JsonToken expected, String what)
        throws IOException {
      if (parser.nextToken() != expected) {
        context.reportInputMismatch(ChunkRef.class, "a chunk ref's %s is missing or not an integer, got %s", what,
            parser.currentToken());
      }
      return parser;
    }
  }
}
