-- Schema of Stowage's cluster mode on PostgreSQL. Idempotent: applied on start when
-- stowage.cluster.apply-schema = on (under an advisory lock, so several nodes may start at once).
-- Statements are separated by lines holding only ';'.

-- The durable-state table of pekko-persistence-jdbc 1.1 (its schema/postgres/postgres-create-schema.sql),
-- holding one row per manifest: persistence_id = 'stowage|<workspace>|<entry id>', state_payload
-- = the sealed (encrypted CBOR) manifest, empty for a cleared entry, tag = Stowage's sync index
-- ('sync:<base version>', 'clean:<base version>' or 'deleted').
CREATE TABLE IF NOT EXISTS durable_state (
    global_offset BIGSERIAL,
    persistence_id VARCHAR(255) NOT NULL,
    revision BIGINT NOT NULL,
    state_payload BYTEA NOT NULL,
    state_serial_id INTEGER NOT NULL,
    state_serial_manifest VARCHAR(255),
    tag VARCHAR,
    state_timestamp BIGINT NOT NULL,
    PRIMARY KEY(persistence_id)
)
;
-- The payloads are sealed (encrypted), so they never compress, and a manifest is a few KB: store it
-- in the row, uncompressed, unless the row passes 8 KB. PostgreSQL's default would try to compress
-- every payload above 2 KB and then move it to the TOAST table (an extra insert, and an extra
-- delete on each update): on a 3 KB manifest that doubled the cost of a write. Storage settings
-- only, so pekko-persistence-jdbc reads and writes the table as before; set once, and only if
-- needed (ALTER TABLE takes a lock other nodes would wait for).
DO $$
BEGIN
  IF (SELECT attstorage FROM pg_attribute WHERE attrelid = 'durable_state'::regclass AND attname = 'state_payload') <> 'e' THEN
    ALTER TABLE durable_state ALTER COLUMN state_payload SET STORAGE EXTERNAL;
  END IF;
  IF NOT coalesce((SELECT 'toast_tuple_target=8160' = ANY(reloptions) FROM pg_class WHERE oid = 'durable_state'::regclass), false) THEN
    ALTER TABLE durable_state SET (toast_tuple_target = 8160);
  END IF;
END
$$
;
CREATE INDEX IF NOT EXISTS state_tag_idx ON durable_state (tag)
;
CREATE INDEX IF NOT EXISTS state_global_offset_idx ON durable_state (global_offset)
;
-- Chunks: locally written file content, encrypted, one row per (workspace, chunk id).
CREATE TABLE IF NOT EXISTS stowage_chunks (
    workspace_id VARCHAR(255) NOT NULL,
    chunk_id UUID NOT NULL,
    size INTEGER NOT NULL,
    data BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY(workspace_id, chunk_id)
)
;
-- Chunks are encrypted too: never try to compress them (large ones still go to TOAST).
DO $$
BEGIN
  IF (SELECT attstorage FROM pg_attribute WHERE attrelid = 'stowage_chunks'::regclass AND attname = 'data') <> 'e' THEN
    ALTER TABLE stowage_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  END IF;
END
$$
;
-- One row per workspace: realm checkpoint, prevent-sync pattern, and a key check (a known value
-- sealed with the workspace key, so that a node opening it with another key is refused).
CREATE TABLE IF NOT EXISTS stowage_workspaces (
    workspace_id VARCHAR(255) PRIMARY KEY,
    realm_checkpoint BIGINT NOT NULL DEFAULT 0,
    prevent_sync_pattern TEXT NOT NULL DEFAULT '^\b$',
    pattern_fully_applied BOOLEAN NOT NULL DEFAULT false,
    key_check BYTEA
)
;
-- The remote version of stored manifests, raised by updateRealmCheckpoint (never lowered).
-- A manifest's effective remote version is max(its base version, this).
CREATE TABLE IF NOT EXISTS stowage_remote_versions (
    persistence_id VARCHAR(255) PRIMARY KEY,
    remote_version BIGINT NOT NULL
)
;
