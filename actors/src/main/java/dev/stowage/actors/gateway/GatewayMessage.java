package dev.stowage.actors.gateway;

/**
 * What a database actor of a store of type {@code S} receives: the {@link GatewayCommand}s others
 * send it, and the timer messages it sends itself, each private to {@link DbGateway} or {@link
 * DbReader}. Its refs are narrowed to {@link GatewayCommand} where it is spawned.
 */
public interface GatewayMessage<S> {}
