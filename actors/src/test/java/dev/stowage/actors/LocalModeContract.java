package dev.stowage.actors;

import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.actors.gateway.StoreOperation;
import dev.stowage.actors.workspace.LocalWorkspace;
import dev.stowage.protocol.EntryId;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.LocalDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The façade contract ({@link WorkspaceStorageContract}) in local mode: an ActorTestKit, a
 * temporary base directory, and the checks of what is stored, read on the data gateway's thread.
 * {@link WorkspaceStorageTest} runs it in the default configuration, with local mode's own tests;
 * {@link LocalContractMatrixTest} runs it over other configurations.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LocalModeContract extends WorkspaceStorageContract {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;

  @Override
  protected ActorSystem<?> system() {
    return testKit.system();
  }

  @Override
  protected Path baseDir() {
    return base;
  }

  @Override
  protected void assertStored(WorkspaceStorage storage, EntryId id, boolean stored) {
    assertThat(isStored(storage, id)).isEqualTo(stored);
  }

  @Override
  protected void assertStoredLocalNeedSync(WorkspaceStorage storage, Set<EntryId> expected) {
    Set<EntryId> storedLocal = onDataStore(storage, store -> store.vlobs().localNeedSync());
    assertThat(storedLocal).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Override
  protected void assertStoredRemoteVersion(WorkspaceStorage storage, EntryId id, Long expected) {
    dev.stowage.storage.VlobTable.Versions versions = storedVersions(storage, id);
    if (expected == null) {
      assertThat(versions).isNull();
    } else {
      assertThat(versions.remoteVersion()).isEqualTo(expected);
    }
  }

  @Override
  protected void assertReleased(StorageSettings settings, String workspaceId) {
    Path dir = settings.workspaceDir(workspaceId);
    assertThat(LocalDatabase.isOpen(dir.resolve("data_v1.sqlite"))).isFalse();
    assertThat(LocalDatabase.isOpen(dir.resolve("cache_v1.sqlite"))).isFalse();
  }

  /** Runs work on a workspace's data store, on its gateway thread. */
  <R> R onDataStore(WorkspaceStorage storage, StoreOperation.Body<DataStore, R> body) {
    return result(AskPattern.<Object, R>askWithStatus(storage.supervisor().unsafeUpcast(),
        replyTo -> new LocalWorkspace.RunOnDataStore<>(StoreOperation.read("test", body), replyTo), Duration.ofSeconds(10),
        testKit.system().scheduler()));
  }

  boolean isStored(WorkspaceStorage storage, EntryId id) {
    return this.<Boolean>onDataStore(storage, store -> store.vlobs().get(id).isPresent());
  }

  long storedCount(WorkspaceStorage storage) {
    return this.<Long>onDataStore(storage, store -> store.vlobs().count());
  }

  dev.stowage.storage.VlobTable.Versions storedVersions(WorkspaceStorage storage, EntryId id) {
    return this.<dev.stowage.storage.VlobTable.Versions>onDataStore(storage, store -> store.vlobs().versions(id).orElse(null));
  }
}
