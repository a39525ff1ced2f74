package dev.stowage.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;

/**
 * A small versioned record describing a file, a folder or a workspace: what Stowage caches in one
 * entity actor per id and stores encrypted in the data database.
 *
 * <p>The type tag ({@code "type": "file" | "folder" | "workspace"}) is part of the stored format:
 * never rename one.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = FileManifest.class, name = "file"),
  @JsonSubTypes.Type(value = FolderManifest.class, name = "folder"),
  @JsonSubTypes.Type(value = WorkspaceManifest.class, name = "workspace")
})
public sealed interface LocalManifest permits FileManifest, FolderManifest, WorkspaceManifest {

  /** The manifest's id, the key it is stored under. */
  EntryId id();

  /** The remote version this local copy is based on (0 for an entry never synchronised). */
  long baseVersion();

  /** Whether the local copy has changes not yet uploaded. */
  boolean needSync();

  /** When the entry was last changed, as the host records it. */
  Instant updated();
}
