package dev.stowage.actors;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * Pekko Management's HTTP endpoint of an ActorSystem, on a free 127.0.0.1 port, as a host would run
 * it; its health checks are those of the reference.conf files on the classpath, Stowage's included.
 * Used by the readiness tests of both modes (the cluster module through this module's test-jar).
 */
public final class HealthEndpoint {
  /** What a system needs for {@link #start}: the endpoint on 127.0.0.1, on a port the OS picks. */
  public static final String CONFIG = "pekko.management.http.hostname = \"127.0.0.1\"\npekko.management.http.port = 0\n";

  /** One answer: its status and body. */
  public record Answer(int status, String body) {
    public boolean ok() {
      return status == 200;
    }
  }

  private final URI base;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HealthEndpoint(URI base) {
    this.base = base;
  }

  /** Starts the endpoint of {@code system} (configured with {@link #CONFIG}) and waits until it listens. */
  public static HealthEndpoint start(ActorSystem<?> system) {
    String uri = Await.result(PekkoManagement.get(system.classicSystem()).start()).toString();
    return new HealthEndpoint(URI.create(uri.endsWith("/") ? uri : uri + "/"));
  }

  /** GET /ready. */
  public Answer ready() {
    return get("ready");
  }

  /** GET /alive. */
  public Answer alive() {
    return get("alive");
  }

  private Answer get(String path) {
    try {
      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new AssertionError("GET " + base.resolve(path) + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
