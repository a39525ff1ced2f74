package dev.stowage.app;

import org.slf4j.LoggerFactory;

/**
 * Run in a child JVM by {@code StowageCliTest}: logs what the library and Pekko log when a
 * workspace cannot be opened (an ERROR of {@code GatewayLifecycle}, a WARN of the actor system),
 * then runs the CLI with its arguments, as {@code bin/stowage} would after them. What reaches
 * its standard error is what the CLI's logging configuration lets through.
 */
public final class LogProbeCli {
  private LogProbeCli() {}

  public static void main(String[] args) {
    LoggerFactory.getLogger("dev.stowage.actors.gateway.GatewayLifecycle")
        .error("cannot open workspace 'demo' data database: the probe's error");
    LoggerFactory.getLogger("org.apache.pekko.actor.ActorSystemImpl").warn("the probe's warning");
    System.exit(StowageCli.execute(args));
  }
}
