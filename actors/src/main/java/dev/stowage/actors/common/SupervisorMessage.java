package dev.stowage.actors.common;

/**
 * What a workspace's supervisor ({@link dev.stowage.actors.workspace.WorkspaceSupervisor}) receives besides the public protocol:
 * its gateways' and entities' events, the façade's own messages ({@link dev.stowage.actors.facade.FacadeMessage}), and its
 * backend's futures, each type owned by whoever sends it. The supervisor hands them to its backend
 * ({@link dev.stowage.actors.workspace.WorkspaceBackend#onMessage}). Never part of the public protocol, never bound to a
 * serializer.
 */
public interface SupervisorMessage {}
