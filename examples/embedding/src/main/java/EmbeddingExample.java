import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

public class EmbeddingExample {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "stowage-example"); // default: in the working directory
    Path keyFile = Path.of(dir + ".key");                 // beside the data, not inside it
    if (!Files.exists(keyFile)) {
      LocalKey.generate().save(keyFile);                  // first run: a new key, in a new 0600 file
    }
    LocalKey key = LocalKey.load(keyFile);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "host");
    try {
      StorageSettings settings = StorageSettings.fromConfig(system.settings().config()).withBaseDir(dir);
      WorkspaceStorage storage = Stowage.open(system, "my-workspace", key, settings)
          .toCompletableFuture().get();
      EntryId id = EntryId.random();
      var folder = new FolderManifest(id, EntryId.random(), 0, true, Instant.now(), Map.of());
      storage.setManifest(id, folder)                     // completes once committed
          .thenCompose(done -> storage.getManifest(id))   // served from the cache
          .thenAccept(manifest -> System.out.println("stored " + manifest.id()))
          .thenCompose(done -> storage.close())           // flushes, commits, closes
          .toCompletableFuture().get();                   // a failed stage throws here
    } finally {
      system.terminate();                                 // on failure too, or its threads keep the JVM running
    }
  }
}
