import dev.stowage.actors.StorageSettings;
import dev.stowage.actors.Stowage;
import dev.stowage.actors.WorkspaceStorage;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

public class EmbeddingExample {
  public static void main(String[] args) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "host");
    StorageSettings settings = StorageSettings.fromConfig(system.settings().config()).withBaseDir(Path.of(args[0]));
    WorkspaceStorage storage = Stowage.open(system, "my-workspace", LocalKey.generate(), settings)
        .toCompletableFuture().get();
    EntryId id = EntryId.random();
    var folder = new FolderManifest(id, EntryId.random(), 0, true, Instant.now(), Map.of());
    storage.setManifest(id, folder)                       // completes once committed
        .thenCompose(done -> storage.getManifest(id))     // served from the cache
        .thenAccept(manifest -> System.out.println("stored " + manifest.id()))
        .thenCompose(done -> storage.close())             // flushes, commits, closes
        .whenComplete((done, error) -> system.terminate())
        .toCompletableFuture().get();
  }
}
