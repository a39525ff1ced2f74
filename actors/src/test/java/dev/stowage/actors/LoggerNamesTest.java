package dev.stowage.actors;

import static dev.stowage.actors.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.stowage.actors.gateway.DbGateway;
import dev.stowage.actors.gateway.DbReader;
import dev.stowage.actors.workspace.DataBackup;
import dev.stowage.actors.workspace.WorkspaceSupervisor;
import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Stowage's actors log under their own class names ({@code dev.stowage...}), where a host's logging
 * configuration finds them, never under a Pekko class: Pekko names an actor's logger after the
 * first caller it finds on the stack, which for a timer's debug line is Pekko's own {@code ActorCell}.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoggerNamesTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  @TempDir Path base;

  @Test
  void everyActorOfAWorkspaceLogsUnderItsOwnClass() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    Level level = root.getLevel();
    root.setLevel(Level.DEBUG); // Pekko's timers log at debug: what made the logger its ActorCell's
    root.addAppender(events);
    List<ILoggingEvent> logged;
    try {
      WorkspaceStorage storage = result(Stowage.open(testKit.system(), "logged", LocalKey.generate(),
          TestSettings.in(base, "stowage.read-connections = 1")));
      EntryId id = EntryId.random();
      result(storage.setManifest(id, new FolderManifest(id, id, 0, true, Instant.EPOCH, Map.of()), true, Set.of()));
      ChunkId chunk = ChunkId.random();
      result(storage.setChunk(chunk, new byte[] {1}));
      result(storage.getChunk(chunk));
      result(storage.backup(base.resolve("backup.sqlite")));
      result(storage.close());
    } finally {
      root.detachAppender(events);
      root.setLevel(level);
      logged = List.copyOf(events.list);
    }

    assertThat(loggerOf(logged, "closed the reader of")).isEqualTo(DbReader.class.getName());
    assertThat(loggerOf(logged, "closed workspace 'logged' data database")).isEqualTo(DbGateway.class.getName());
    assertThat(loggerOf(logged, "workspace 'logged' closed")).isEqualTo(WorkspaceSupervisor.class.getName());
    assertThat(loggerOf(logged, "backed up")).isEqualTo(DataBackup.class.getName());
    assertThat(logged).as("what Stowage's actors logged, not under a Stowage logger")
        .filteredOn(event -> event.getFormattedMessage().contains("logged"))
        .allSatisfy(event -> assertThat(event.getLoggerName()).startsWith("dev.stowage."));
  }

  private static String loggerOf(List<ILoggingEvent> events, String messageStart) {
    return events.stream()
        .filter(event -> event.getFormattedMessage().startsWith(messageStart))
        .map(ILoggingEvent::getLoggerName)
        .findFirst()
        .orElseThrow(() -> new AssertionError("nothing logged starting with '" + messageStart + "'"));
  }
}
