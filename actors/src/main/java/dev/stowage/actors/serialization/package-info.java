/**
 * The serializers Stowage binds in its {@code reference.conf}: the manifest commands on cluster
 * mode's hot path, and the typed exceptions a reply carries to another node. Imports only the
 * protocol.
 */
package dev.stowage.actors.serialization;
