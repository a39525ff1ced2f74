package dev.stowage.app.demo;

/** The façade calls the demo makes, one latency histogram each. */
enum Op {
  SET_CHUNK("setChunk"),
  SET_MANIFEST_DURABLE("setManifest (durable)"),
  SET_MANIFEST_CACHE_ONLY("setManifest (cache-only)"),
  ENSURE_PERSISTENT("ensureManifestPersistent"),
  GET_MANIFEST("getManifest"),
  GET_CHUNK("getChunk"),
  SET_BLOCK("setBlock"),
  GET_BLOCK("getBlock"),
  OUTBOUND_PAGE("getOutboundNeedSync"),
  UPDATE_MANIFESTS("updateManifests"),
  PROMOTE("promoteChunkToBlock");

  final String label;

  Op(String label) {
    this.label = label;
  }
}
