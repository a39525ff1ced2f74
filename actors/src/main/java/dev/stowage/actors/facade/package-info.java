/**
 * {@link dev.stowage.actors.WorkspaceStorage} over the actors ({@link
 * dev.stowage.actors.facade.ActorWorkspaceStorage}): argument checks, admission ({@link
 * dev.stowage.actors.facade.CallAdmission}), the writes in flight, and the fast paths that skip the
 * supervisor (hot reads, live entities, readers); and what it sends the supervisor besides the
 * protocol ({@link dev.stowage.actors.facade.FacadeMessage}). Imports {@code entity}, {@code
 * gateway}, {@code common} and {@code events}.
 */
package dev.stowage.actors.facade;
