package dev.stowage.protocol;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A backup that was made: one file holding a workspace's data database as it was committed at one
 * moment, its rows still encrypted under the workspace key.
 *
 * @param file where the backup is (absolute)
 * @param bytes its size
 * @param schemaVersion the schema version of the copy ({@code PRAGMA user_version})
 * @param manifests manifests in the copy
 * @param chunks chunks in the copy
 * @param took how long the copy took, from its start to the file in place
 */
public record BackupResult(Path file, long bytes, int schemaVersion, long manifests, long chunks, Duration took) {}
