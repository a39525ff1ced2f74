/**
 * One workspace's lifecycle and local mode: the supervisor both modes share ({@link
 * dev.stowage.actors.workspace.WorkspaceSupervisor}) over a {@link
 * dev.stowage.actors.workspace.WorkspaceBackend}; local mode's backend ({@link
 * dev.stowage.actors.workspace.LocalWorkspace}) with its entity pool, payload pipeline, backup and
 * statistics; the ActorSystem's registry and local mode's provider. Imports every other room.
 */
package dev.stowage.actors.workspace;
