package dev.stowage.storage;

/** How much a commit survives: the {@code synchronous} setting both databases open with. */
public enum Durability {
  /** WAL with {@code synchronous=NORMAL}: a committed write survives a process crash. */
  NORMAL,
  /** WAL with {@code synchronous=FULL}: a committed write also survives power loss (one fsync per commit). */
  FULL
}
