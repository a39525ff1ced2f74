package dev.stowage.actors.gateway;

import dev.stowage.actors.common.SupervisorMessage;
import dev.stowage.protocol.StorageException;

/** What a database actor ({@link DbGateway}, {@link DbReader}) tells its owner, a supervisor, as its own message. */
public sealed interface GatewayEvent extends SupervisorMessage permits GatewayEvent.Opened, GatewayEvent.Failed {

  record Opened(String database) implements GatewayEvent {}

  /** The database could not be opened, or was invalidated; {@code cause} says why. */
  record Failed(String database, StorageException cause) implements GatewayEvent {}
}
