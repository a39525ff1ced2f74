import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.LocalKey;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * A host in cluster mode: one node that is its own seed, its manifests and chunks in PostgreSQL.
 * The database is an embedded PostgreSQL so that the example needs nothing installed; a real host
 * names its own in jdbc-durable-state-store.slick.db and lists its seed nodes (docs/scale-out.md).
 */
public class ClusterExample {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "stowage-cluster-example").toAbsolutePath(); // the block cache
    Path keyFile = Path.of(dir + ".key");                    // beside the data, not inside it
    if (!Files.exists(keyFile)) {
      LocalKey.generate().save(keyFile);                     // first run: a new key, in a new 0600 file
    }
    LocalKey key = LocalKey.load(keyFile);
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      Config config = ConfigFactory.parseString("""
          stowage.mode = cluster
          stowage.base-dir = "%s"
          pekko.actor.provider = cluster
          pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
          jdbc-durable-state-store.slick.db { url = "%s", user = "postgres", password = "" }
          """.formatted(dir, postgres.getJdbcUrl("postgres", "postgres")))
          .withFallback(ConfigFactory.load());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "host", config);
      try {
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));  // a cluster of one node
        WorkspaceStorage storage = Stowage.open(system, "my-workspace", key).toCompletableFuture().get();
        EntryId id = EntryId.random();
        var folder = new FolderManifest(id, EntryId.random(), 0, true, Instant.now(), Map.of());
        storage.setManifest(id, folder)                      // completes once committed in PostgreSQL
            .thenCompose(done -> storage.getManifest(id))
            .thenAccept(manifest -> System.out.println("stored " + manifest.id() + " in cluster mode"))
            .thenCompose(done -> storage.close())
            .toCompletableFuture().get();                    // a failed stage throws here
      } finally {
        system.terminate();                                  // on failure too, or its threads keep the JVM running
        system.getWhenTerminated().toCompletableFuture().get(); // before the database stops
      }
    }
  }
}
