/**
 * Stowage's API: {@link dev.stowage.actors.Stowage} opens a workspace, {@link
 * dev.stowage.actors.WorkspaceStorage} is what a host calls, {@link
 * dev.stowage.actors.StorageSettings} (with {@link dev.stowage.actors.OverloadSettings}) is the
 * {@code stowage} configuration, {@link dev.stowage.actors.WorkspaceStorageProvider} is how a mode
 * plugs in, and {@link dev.stowage.actors.RequestValidation} the checks every mode runs on a
 * request. This package imports none of the rooms below it; each mode is found with {@link
 * java.util.ServiceLoader}.
 *
 * <p>The rooms, each a package that imports only those listed before it (and this one):
 *
 * <ol>
 *   <li>{@code events}: the JFR events;
 *   <li>{@code serialization}: the serializers bound to Pekko's serialization;
 *   <li>{@code common}: what every room shares: a workspace's health and published values, the
 *       ask and future helpers, the marker of the supervisor's own messages;
 *   <li>{@code health}: the open workspaces' health and the readiness check of Pekko Management;
 *   <li>{@code gateway}: the actors that own a database file (writer, readers) and their operations;
 *   <li>{@code entity}: the manifest entity, one per cached key, over a backend and a host;
 *   <li>{@code facade}: {@code WorkspaceStorage} over the actors, its fast paths and admission;
 *   <li>{@code workspace}: one workspace's supervisor and local mode's backend, registry and provider.
 * </ol>
 *
 * Only this package is Stowage's contract (SPEC section 5): the rooms are public for each other and
 * for the module {@code stowage-cluster}, not for hosts.
 */
package dev.stowage.actors;
