/**
 * The manifest entity, one actor per cached key ({@link dev.stowage.actors.entity.ManifestEntity}),
 * the same in both modes: where it loads and flushes is a {@link
 * dev.stowage.actors.entity.ManifestBackend} (local mode's over the data gateway is here), who runs
 * and stops it an {@link dev.stowage.actors.entity.EntityHost}. Imports {@code gateway}, {@code
 * common} and {@code events}.
 *
 * <h2>Hot reads</h2>
 *
 * Every value the entity accepts is published in the workspace's {@link dev.stowage.actors.common.PublishedManifests}, which
 * the façade reads without a message: a write publishes before it is answered, a load only if it
 * won its race (INV-4), and a clear, a discard, a failure and the stop unpublish before they are
 * answered or reported. Reads served there are counted as activity before the entity asks to be
 * passivated. Before answering anything, the entity checks the workspace's {@link
 * dev.stowage.actors.common.WorkspaceHealth}: once a gateway has failed, no command succeeds, cached reads included (INV-6).
 *
 * <h2>Lifecycle</h2>
 *
 * Idle for {@code entity.passivate-after}, the entity asks its host to passivate it. On the
 * host's {@code FLUSH_AND_STOP} it flushes if dirty, waits for every flush in flight (and a load in
 * flight) and stops; with {@code DISCARD_AND_STOP} it drops what was not yet sent. The host
 * buffers commands for a stopping entity and hands them to its successor (INV-18).
 */
package dev.stowage.actors.entity;
