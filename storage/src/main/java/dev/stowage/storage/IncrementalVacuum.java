package dev.stowage.storage;

/**
 * A vacuum of a database file in steps ({@link LocalDatabase#startVacuum}): each {@link #step}
 * hands a bounded number of free pages back to the file system in a transaction of its own, so
 * that the writer can commit other work between steps; the last one truncates the WAL. Unlike a
 * {@code VACUUM}, which rebuilds the whole file while holding the write lock, this frees only what
 * is free: it does not repack half-empty pages.
 *
 * <p>Like its database, used by the database's owner thread only.
 */
public final class IncrementalVacuum {
  private final LocalDatabase db;
  private final long bytesBefore;
  private final VacuumEvent event = new VacuumEvent();
  private int steps;
  private boolean finished;

  IncrementalVacuum(LocalDatabase db, long bytesBefore) {
    this.db = db;
    this.bytesBefore = bytesBefore;
    event.begin();
  }

  /**
   * Frees up to {@code pages} pages; once none is left, checkpoints and truncates the WAL. Needs
   * no open transaction: commit first.
   *
   * @return whether the vacuum is finished
   */
  public boolean step(int pages) {
    if (finished) {
      throw new IllegalStateException(db.file() + ": this vacuum is finished");
    }
    steps++;
    if (db.vacuumStep(pages) > 0) {
      return false;
    }
    db.finishVacuum();
    finished = true;
    event.end();
    if (event.shouldCommit()) {
      event.file = db.file().toString();
      event.bytesBefore = bytesBefore;
      event.bytesAfter = db.sizeOnDisk();
      event.steps = steps;
      event.commit();
    }
    return true;
  }

  /** The steps run so far. */
  public int steps() {
    return steps;
  }
}
