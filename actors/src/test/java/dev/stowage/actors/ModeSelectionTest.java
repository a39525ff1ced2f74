package dev.stowage.actors;

import static dev.stowage.actors.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code stowage.mode}: without the module that provides a mode, open says what is missing. */
class ModeSelectionTest {
  @TempDir Path base;

  @ParameterizedTest(name = "stowage.mode = {0}")
  @ValueSource(strings = {"cluster", "bogus"})
  @DisplayName("INV-19: a mode no module on the classpath provides is refused, naming stowage.mode")
  void aModeWithoutItsModuleIsRefused(String mode) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "modes",
        ConfigFactory.parseString("stowage.mode = " + mode).withFallback(ConfigFactory.load("application-test")));
    try {
      Throwable refused = failure(Stowage.open(system, "ws", LocalKey.generate(), TestSettings.in(base)));
      assertThat(refused).isInstanceOf(InvalidRequestException.class).hasMessageContaining("stowage.mode = " + mode);
      if (mode.equals("cluster")) {
        assertThat(refused).hasMessageContaining("stowage-cluster");
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
