package dev.stowage.actors;

/**
 * What a workspace's supervisor ({@link WorkspaceSupervisor}) receives besides the public protocol:
 * its gateways' and entities' events, the façade's own messages ({@link FacadeMessage}), and its
 * backend's futures, each type owned by whoever sends it. The supervisor hands them to its backend
 * ({@link WorkspaceBackend#onMessage}). Never part of the public protocol, never bound to a
 * serializer.
 */
public interface SupervisorMessage {}
