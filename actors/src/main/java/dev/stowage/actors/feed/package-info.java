/**
 * The change feed of a workspace ({@code WorkspaceStorage.changes()}): {@link ChangePublisher}, what
 * entities and the workspace publish their changes to, and {@link ChangeFeed}, which hands them to
 * the subscribers of one node, each through a bounded queue of its own, so that a slow subscriber
 * never slows the workspace and learns what it missed ({@code WorkspaceEvent.EventsMissed}).
 */
package dev.stowage.actors.feed;
