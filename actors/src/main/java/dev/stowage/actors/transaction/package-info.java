/**
 * Tree transactions ({@code updateManifests}, SPEC §6b): one coordinator actor per call holds the
 * entities of its entries in the order of their ids, commits their staged values together where
 * the mode commits ({@link dev.stowage.actors.transaction.TransactionBackend}), then lets them go.
 */
package dev.stowage.actors.transaction;
