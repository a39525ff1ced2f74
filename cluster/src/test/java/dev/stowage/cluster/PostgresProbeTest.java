package dev.stowage.cluster;

import static dev.stowage.actors.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.concurrent.ExecutionContext;

/**
 * The readiness probe of cluster mode against a PostgreSQL that is not there (a closed port), with
 * no cluster: {@code ClusterReadinessTest} shows it through Pekko Management against a real one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresProbeTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final ExecutorService jdbcThreads = Executors.newFixedThreadPool(2);

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
    jdbcThreads.shutdownNow();
  }

  @Test
  void anUnreachablePostgresIsReportedAtTheTimeoutAndChecksMeanwhileShareOnePing() throws IOException {
    AtomicInteger pings = new AtomicInteger();
    ClusterSettings settings = ClusterSettings.fromConfig(ConfigFactory.parseString(
            "jdbc-durable-state-store.slick.db.url = \"jdbc:postgresql://127.0.0.1:" + closedPort() + "/stowage\"\n"
                + "stowage.cluster.connection-timeout = 30s\n")
        .withFallback(ConfigFactory.load()));
    try (ClusterDatabase database = new ClusterDatabase(settings, work -> {
      pings.incrementAndGet();
      jdbcThreads.execute(work);
    })) {
      PostgresProbe probe = new PostgresProbe(database, Duration.ofMillis(200), testKit.system().scheduler(),
          ExecutionContext.global());

      CompletionStage<Done> first = probe.reachable();
      CompletionStage<Done> second = probe.reachable();

      assertThat(failure(first)).isInstanceOf(TimeoutException.class)
          .hasMessageContaining("no answer to the readiness check's SELECT 1");
      assertThat(failure(second)).isInstanceOf(TimeoutException.class);
      assertThat(pings).as("one ping waits for a connection; the second check shares it").hasValue(1);
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
