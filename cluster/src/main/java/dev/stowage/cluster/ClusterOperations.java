package dev.stowage.cluster;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.storage.BlobCipher;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;

/**
 * Every operation of one workspace on the cluster's PostgreSQL ({@link ClusterTables}): chunks, the
 * need-sync rows, the realm checkpoint and the prevent-sync pattern. Cluster mode's counterpart of
 * local mode's {@code DataOperations}: each a name (for logs and errors), whether it writes, and
 * its work on a connection, run by the workspace's lane of the node's chunk gateway. Chunks are
 * sealed and opened in the work, on the gateway's threads. (A manifest's load and flush are its
 * entity's, in {@link DurableStateManifestBackend}.)
 */
final class ClusterOperations {

  /** One operation: {@code work} runs in a transaction of its own on one of the gateway's connections. */
  record SqlOperation<T>(String what, boolean writes, ClusterDatabase.Sql<T> work) {}

  @FunctionalInterface
  private interface SqlWrite {
    void run(Connection connection) throws SQLException;
  }

  private final ClusterTables tables;
  private final BlobCipher cipher;

  ClusterOperations(ClusterTables tables, BlobCipher cipher) {
    this.tables = tables;
    this.cipher = cipher;
  }

  SqlOperation<byte[]> getChunk(ChunkId id) {
    return read("get chunk", connection -> cipher.open(BlobCipher.Kind.CHUNK, id,
        tables.getChunk(connection, id).orElseThrow(() -> EntryMissingException.chunk(id))));
  }

  SqlOperation<Done> putChunk(ChunkId id, byte[] data) {
    return write("set chunk",
        connection -> tables.putChunk(connection, id, data.length, cipher.seal(BlobCipher.Kind.CHUNK, id, data)));
  }

  /** Fails with {@link EntryMissingException} if there is no such chunk (INV-14). */
  SqlOperation<Done> deleteChunk(ChunkId id) {
    return write("clear chunk", connection -> {
      if (!tables.deleteChunk(connection, id)) {
        throw EntryMissingException.chunk(id);
      }
    });
  }

  SqlOperation<Set<ChunkId>> presentChunks(List<ChunkId> ids) {
    return read("get local chunk ids", connection -> tables.presentChunks(connection, ids));
  }

  SqlOperation<ClusterTables.StoredNeedSync> needSync() {
    return read("need-sync", tables::needSync);
  }

  SqlOperation<List<EntryId>> outboundPage(int limit) {
    return read("outbound need-sync page", connection -> tables.outboundPage(connection, limit));
  }

  SqlOperation<List<EntryId>> inboundPage(int limit) {
    return read("inbound need-sync page", connection -> tables.inboundPage(connection, limit));
  }

  SqlOperation<List<EntryId>> manifestPage(EntryId after, int limit) {
    return read("list manifests", connection -> tables.manifestPage(connection, after, limit));
  }

  SqlOperation<ClusterTables.StoredBacklog> backlog(Set<EntryId> dirty) {
    return read("outbound sync backlog", connection -> tables.backlog(connection, dirty));
  }

  SqlOperation<Long> realmCheckpoint() {
    return read("get realm checkpoint", tables::realmCheckpoint);
  }

  /** Answers the ids whose remote version rose. */
  SqlOperation<Set<EntryId>> updateRealmCheckpoint(long checkpoint, Map<EntryId, Long> changed) {
    return new SqlOperation<>("update realm checkpoint", true,
        connection -> tables.updateRealmCheckpoint(connection, checkpoint, changed));
  }

  SqlOperation<PreventSyncPattern> preventSyncPattern() {
    return read("get prevent-sync pattern", tables::preventSyncPattern);
  }

  SqlOperation<Done> setPreventSyncPattern(String regex) {
    return write("set prevent-sync pattern", connection -> tables.setPreventSyncPattern(connection, regex));
  }

  SqlOperation<Done> markPreventSyncPatternFullyApplied(String regex) {
    return write("mark prevent-sync pattern applied",
        connection -> tables.markPreventSyncPatternFullyApplied(connection, regex));
  }

  private static <T> SqlOperation<T> read(String what, ClusterDatabase.Sql<T> work) {
    return new SqlOperation<>(what, false, work);
  }

  private static SqlOperation<Done> write(String what, SqlWrite work) {
    return new SqlOperation<>(what, true, connection -> {
      work.run(connection);
      return Done.getInstance();
    });
  }
}
