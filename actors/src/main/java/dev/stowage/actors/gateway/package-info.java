/**
 * The actors that own a database file: one writer ({@link dev.stowage.actors.gateway.DbGateway},
 * group commit) and readers ({@link dev.stowage.actors.gateway.DbReader}) per file, each on a
 * pinned thread with its connection; their protocol ({@link dev.stowage.actors.gateway.GatewayCommand},
 * {@link dev.stowage.actors.gateway.GatewayEvent}); the named operations of each store ({@link
 * dev.stowage.actors.gateway.DataOperations}, {@link dev.stowage.actors.gateway.CacheOperations});
 * and the façade's direct reads. Imports {@code common} and {@code events}.
 */
package dev.stowage.actors.gateway;
