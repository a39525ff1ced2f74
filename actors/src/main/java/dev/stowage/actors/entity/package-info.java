/**
 * The manifest entity, one actor per cached key ({@link dev.stowage.actors.entity.ManifestEntity}),
 * the same in both modes: where it loads and flushes is a {@link
 * dev.stowage.actors.entity.ManifestBackend} (local mode's over the data gateway is here), who runs
 * and stops it an {@link dev.stowage.actors.entity.EntityHost}. Imports {@code gateway}, {@code
 * common} and {@code events}.
 */
package dev.stowage.actors.entity;
