/**
 * Tree transactions ({@code updateManifests}, SPEC §6b): a coordinator ({@link
 * dev.stowage.actors.transaction.TransactionRun}) holds the entities of its entries in the order of
 * their ids, commits their staged values together where the mode commits, then lets them go. Cluster
 * mode runs each in an actor of its own ({@link dev.stowage.actors.transaction.ManifestTransaction},
 * over a {@link dev.stowage.actors.transaction.TransactionBackend}); local mode's supervisor runs them.
 */
package dev.stowage.actors.transaction;
