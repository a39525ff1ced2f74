/**
 * What every room of a workspace shares: its health ({@link dev.stowage.actors.common.WorkspaceHealth},
 * failed or closing, read by every call), the manifests its entities publish for reads without a
 * message ({@link dev.stowage.actors.common.PublishedManifests}), the marker of the supervisor's own
 * messages ({@link dev.stowage.actors.common.SupervisorMessage}), and the helpers around asks and
 * futures. Imports the API package at most.
 */
package dev.stowage.actors.common;
