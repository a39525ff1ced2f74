/**
 * Stowage's JDK Flight Recorder events (category "Stowage"): what a recording shows of commits,
 * loads, flushes and refused calls. Imports nothing of Stowage; every room may record them.
 */
package dev.stowage.actors.events;
