package dev.stowage.protocol;

/**
 * Marks the actor messages that Pekko serializes with its Jackson CBOR serializer (bound in the
 * actors module's {@code reference.conf}), so the same protocol can cross nodes in a cluster.
 */
public interface CborSerializable {}
