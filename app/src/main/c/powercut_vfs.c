/*
 * powercut_vfs.c: a SQLite VFS shim that simulates a power cut, for Stowage's crash trials.
 *
 * Loaded as a SQLite extension (entry point sqlite3_powercut_init), it registers the VFS
 * "powercut" as the default VFS, wrapping the VFS that was the default before (on Linux, "unix").
 * Every connection opened afterwards in the process goes through it, so the code under test needs
 * no change. The idea is that of SQLite's own crash tests (src/test6.c).
 *
 * Pending writes:
 *   Every xWrite and xTruncate of a file is kept in memory, as the kernel's page cache would keep
 *   it, until an xSync of that file applies it to the real file (the "disk": what the kernel holds
 *   outlives the process, so no real fsync is needed, and none is made). xRead and xFileSize see
 *   the pending writes (a process reads its own writes). The pending state
 *   belongs to the file, by path, not to a handle: the writer and the readers of a database open
 *   the same files, and share one page cache in a real system. It outlives the handles (closing a
 *   file does not write it to disk) and is dropped when the file is deleted. A file's counters
 *   (syncs, last sync) are kept while the process runs; files are few.
 *
 *   Pending content is held in blocks of PC_BLOCK bytes, copied from the real file at the first
 *   write into them; the ranges written since the last sync are listed apart, for the garble mode.
 *   "base" is how much of the real file is still part of the content: a pending truncation lowers
 *   it, and bytes past it read as zero until written.
 *
 * The cut:
 *   The SQL function powercut_cut(mode, seed, sync_log[, moment]) takes the global mutex, which
 *   every VFS operation on pending state holds, so none runs while the power goes. The moment is
 *   'now', or 'sync': then the function returns, and the cut happens in the next xSync of a file
 *   with pending writes, before it applies them (as test6.c crashes at a sync): when the most is
 *   at stake, a commit written but not yet durable. Then:
 *     'drop':   every write and truncation since the last sync of its file is lost;
 *     'garble': each range written since the last sync (one per xWrite), independently, reaches
 *               the disk intact (its latest content), reaches it as random bytes (over a random
 *               part of it), or is lost; pending truncations are lost. Random bytes land only
 *               where SQLite wrote, since SQLite relies on powersafe overwrite (a write never
 *               damages its neighbours).
 *   It writes the sync log (below) and ends the process at once with _exit(PC_CUT_EXIT): no atexit
 *   handler, no JVM shutdown, and nothing left pending reaches the file. Only what reached the real
 *   file through a sync (or the garble mode) is in the kernel when the process ends.
 *
 * Sync log and counters:
 *   powercut_stats() returns, and the cut writes to sync_log, one line per file:
 *     file <last sync, CLOCK_MONOTONIC ns, 0 if never> <syncs> <pending bytes> <pending ranges>
 *          <ranges kept> <ranges garbled> <ranges lost> <path>
 *   (the last three are 0 except in the cut's log), after a first line of the cut's log:
 *     cut <mode> <seed> <CLOCK_MONOTONIC ns of the cut> <moment>
 *   Java's System.nanoTime() reads the same clock on Linux, so a writer can tell which of its
 *   acknowledgements came after a file's last sync.
 *
 * Files for the layer's own tests, through this VFS: powercut_file_write(path, offset, blob),
 * powercut_file_read(path, offset, n), powercut_file_truncate(path, size), powercut_file_sync(path).
 *
 * Not simulated: creating, deleting and renaming files (directory entries are real at once);
 * shared memory (xShm*, the -shm file) is passed through, as SQLite rebuilds it when it next opens
 * the database; memory mapping is off for wrapped files (its io methods are version 2, without
 * xFetch), so every read goes through xRead. Temporary files without a name are passed through.
 *
 * Build: gcc -O2 -shared -fPIC -pthread -o powercut_vfs.so powercut_vfs.c (needs sqlite3ext.h, in
 * Debian's libsqlite3-dev). The sqlite3_api_routines table only ever grows at its end, so a build
 * against an older header loads into a newer SQLite, such as the one inside sqlite-jdbc.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PC_BLOCK 4096
/* The exit code of a process whose power was cut. */
#define PC_CUT_EXIT 86

typedef sqlite3_int64 i64;

typedef struct PcRange {
  i64 off;
  i64 len;
} PcRange;

typedef struct PcState PcState;
struct PcState {
  char *path;
  int handles;           /* open handles on this state */
  int listed;            /* in pcFiles (not deleted) */
  i64 size;              /* logical size, what xFileSize reports */
  i64 base;              /* real bytes at offsets >= base are not content (pending truncation) */
  int truncPending;      /* a truncation is pending */
  unsigned char **blocks;/* blocks[i]: pending content of block i, or NULL */
  i64 nBlocks;           /* length of blocks */
  i64 dirtyBlocks;       /* non-NULL entries of blocks */
  PcRange *ranges;       /* ranges written since the last sync */
  int nRanges, capRanges;
  i64 pendingBytes;      /* sum of the ranges' lengths */
  i64 syncs;
  i64 lastSyncNanos;
  i64 kept, garbled, lost; /* what the cut did, for the log */
  PcState *next;
};

typedef struct PcFile {
  sqlite3_file base;
  sqlite3_file *pReal;   /* the real file, right after this struct */
  PcState *state;        /* NULL: passed through (a temporary file) */
} PcFile;

/* Guards every PcState and pcFiles. Taken by the cut and never given back. */
static pthread_mutex_t pcMutex = PTHREAD_MUTEX_INITIALIZER;
static PcState *pcFiles;
static sqlite3_vfs *pcReal;
static sqlite3_vfs pcVfs;
static int pcRegistered;
/* A cut armed for the next sync of a file with pending writes (guarded by pcMutex). */
static int pcArmed;
static int pcArmedGarble;
static i64 pcArmedSeed;
static char *pcArmedLog;

static void pcCutLocked(int garble, i64 seed, const char *log, const char *moment);

#define REAL(f) (((PcFile *)(f))->pReal)

static i64 pcNow(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (i64)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- pending state (callers hold pcMutex) ---- */

static PcState *pcFind(const char *path) {
  for (PcState *s = pcFiles; s; s = s->next) {
    if (strcmp(s->path, path) == 0) return s;
  }
  return NULL;
}

static void pcUnlist(PcState *s) {
  for (PcState **p = &pcFiles; *p; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      break;
    }
  }
  s->listed = 0;
}

static void pcClearPending(PcState *s) {
  for (i64 i = 0; i < s->nBlocks; i++) {
    sqlite3_free(s->blocks[i]);
    s->blocks[i] = NULL;
  }
  s->dirtyBlocks = 0;
  s->nRanges = 0;
  s->pendingBytes = 0;
  s->truncPending = 0;
  s->base = s->size;
}

static void pcFree(PcState *s) {
  pcClearPending(s);
  sqlite3_free(s->blocks);
  sqlite3_free(s->ranges);
  sqlite3_free(s->path);
  sqlite3_free(s);
}

static int pcIsDirty(const PcState *s) {
  return s->dirtyBlocks > 0 || s->truncPending || s->nRanges > 0;
}

/* Reads real bytes [off, off+n) that lie below base; zeros past it or past the real end. */
static int pcReadReal(PcState *s, sqlite3_file *real, unsigned char *buf, i64 n, i64 off) {
  i64 realN = off >= s->base ? 0 : (off + n <= s->base ? n : s->base - off);
  if (realN < n) memset(buf + realN, 0, (size_t)(n - realN));
  if (realN == 0) return SQLITE_OK;
  int rc = real->pMethods->xRead(real, buf, (int)realN, off);
  return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_OK : rc; /* the real VFS zero-fills */
}

static int pcEnsureBlock(PcState *s, sqlite3_file *real, i64 index, unsigned char **out) {
  if (index >= s->nBlocks) {
    i64 n = s->nBlocks ? s->nBlocks : 16;
    while (n <= index) n *= 2;
    unsigned char **grown = sqlite3_realloc64(s->blocks, (sqlite3_uint64)n * sizeof(*grown));
    if (!grown) return SQLITE_NOMEM;
    memset(grown + s->nBlocks, 0, (size_t)(n - s->nBlocks) * sizeof(*grown));
    s->blocks = grown;
    s->nBlocks = n;
  }
  if (!s->blocks[index]) {
    unsigned char *block = sqlite3_malloc(PC_BLOCK);
    if (!block) return SQLITE_NOMEM;
    int rc = pcReadReal(s, real, block, PC_BLOCK, index * PC_BLOCK);
    if (rc != SQLITE_OK) {
      sqlite3_free(block);
      return rc;
    }
    s->blocks[index] = block;
    s->dirtyBlocks++;
  }
  *out = s->blocks[index];
  return SQLITE_OK;
}

/* One range per write, appends too: a disk may write back any of them without the others. */
static int pcAddRange(PcState *s, i64 off, i64 len) {
  if (s->nRanges == s->capRanges) {
    int n = s->capRanges ? s->capRanges * 2 : 64;
    PcRange *grown = sqlite3_realloc64(s->ranges, (sqlite3_uint64)n * sizeof(*grown));
    if (!grown) return SQLITE_NOMEM;
    s->ranges = grown;
    s->capRanges = n;
  }
  s->ranges[s->nRanges].off = off;
  s->ranges[s->nRanges].len = len;
  s->nRanges++;
  s->pendingBytes += len;
  return SQLITE_OK;
}

static int pcPendingWrite(PcState *s, sqlite3_file *real, const unsigned char *data, i64 n, i64 off) {
  for (i64 done = 0; done < n;) {
    i64 at = off + done;
    i64 index = at / PC_BLOCK;
    i64 inBlock = at % PC_BLOCK;
    i64 piece = PC_BLOCK - inBlock < n - done ? PC_BLOCK - inBlock : n - done;
    unsigned char *block;
    int rc = pcEnsureBlock(s, real, index, &block);
    if (rc != SQLITE_OK) return rc;
    memcpy(block + inBlock, data + done, (size_t)piece);
    done += piece;
  }
  if (off + n > s->size) s->size = off + n;
  return pcAddRange(s, off, n);
}

static int pcPendingRead(PcState *s, sqlite3_file *real, unsigned char *buf, i64 n, i64 off) {
  i64 avail = off >= s->size ? 0 : (off + n <= s->size ? n : s->size - off);
  if (avail < n) memset(buf + avail, 0, (size_t)(n - avail));
  if (s->dirtyBlocks == 0 && off + avail <= s->base) {
    int rc = avail ? pcReadReal(s, real, buf, avail, off) : SQLITE_OK;
    if (rc != SQLITE_OK) return rc;
    return avail < n ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
  }
  for (i64 done = 0; done < avail;) {
    i64 at = off + done;
    i64 index = at / PC_BLOCK;
    i64 inBlock = at % PC_BLOCK;
    i64 piece = PC_BLOCK - inBlock < avail - done ? PC_BLOCK - inBlock : avail - done;
    if (index < s->nBlocks && s->blocks[index]) {
      memcpy(buf + done, s->blocks[index] + inBlock, (size_t)piece);
    } else {
      int rc = pcReadReal(s, real, buf + done, piece, at);
      if (rc != SQLITE_OK) return rc;
    }
    done += piece;
  }
  return avail < n ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static void pcPendingTruncate(PcState *s, i64 size) {
  if (size < s->size) {
    for (i64 i = 0; i < s->nBlocks; i++) {
      if (!s->blocks[i]) continue;
      i64 start = i * PC_BLOCK;
      if (start >= size) {
        sqlite3_free(s->blocks[i]);
        s->blocks[i] = NULL;
        s->dirtyBlocks--;
      } else if (start + PC_BLOCK > size) {
        memset(s->blocks[i] + (size - start), 0, (size_t)(start + PC_BLOCK - size));
      }
    }
    if (size < s->base) s->base = size;
  }
  s->size = size;
  s->truncPending = 1;
}

/* Applies the pending writes to the real file through the handle being synced. */
static int pcApply(PcState *s, sqlite3_file *real) {
  i64 realSize;
  int rc = real->pMethods->xFileSize(real, &realSize);
  if (rc == SQLITE_OK && realSize > s->base) rc = real->pMethods->xTruncate(real, s->base);
  for (i64 i = 0; rc == SQLITE_OK && i < s->nBlocks; i++) {
    i64 start = i * PC_BLOCK;
    if (!s->blocks[i] || start >= s->size) continue;
    i64 n = start + PC_BLOCK <= s->size ? PC_BLOCK : s->size - start;
    rc = real->pMethods->xWrite(real, s->blocks[i], (int)n, start);
  }
  if (rc == SQLITE_OK) rc = real->pMethods->xFileSize(real, &realSize);
  if (rc == SQLITE_OK && realSize != s->size) rc = real->pMethods->xTruncate(real, s->size);
  if (rc == SQLITE_OK) pcClearPending(s);
  return rc;
}

/* ---- io methods ---- */

static int pcClose(sqlite3_file *f) {
  PcFile *p = (PcFile *)f;
  if (p->state) {
    pthread_mutex_lock(&pcMutex);
    PcState *s = p->state;
    s->handles--;
    if (s->handles == 0 && !s->listed) pcFree(s); /* deleted: nothing more to know */
    p->state = NULL;
    pthread_mutex_unlock(&pcMutex);
  }
  return p->pReal->pMethods->xClose(p->pReal);
}

static int pcRead(sqlite3_file *f, void *buf, int n, i64 off) {
  PcFile *p = (PcFile *)f;
  if (!p->state) return p->pReal->pMethods->xRead(p->pReal, buf, n, off);
  pthread_mutex_lock(&pcMutex);
  int rc = pcPendingRead(p->state, p->pReal, buf, n, off);
  pthread_mutex_unlock(&pcMutex);
  return rc;
}

static int pcWrite(sqlite3_file *f, const void *buf, int n, i64 off) {
  PcFile *p = (PcFile *)f;
  if (!p->state) return p->pReal->pMethods->xWrite(p->pReal, buf, n, off);
  pthread_mutex_lock(&pcMutex);
  int rc = pcPendingWrite(p->state, p->pReal, buf, n, off);
  pthread_mutex_unlock(&pcMutex);
  return rc == SQLITE_NOMEM ? SQLITE_IOERR_NOMEM : rc;
}

static int pcTruncate(sqlite3_file *f, i64 size) {
  PcFile *p = (PcFile *)f;
  if (!p->state) return p->pReal->pMethods->xTruncate(p->pReal, size);
  pthread_mutex_lock(&pcMutex);
  pcPendingTruncate(p->state, size);
  pthread_mutex_unlock(&pcMutex);
  return SQLITE_OK;
}

/*
 * Applies the pending writes to the real file. The simulated disk is the real file as the kernel
 * holds it, which outlives a cut of this process: a real fsync(2) would add the disk's latency and
 * nothing to the simulation, so a wrapped file's sync stops there. A file passed through (no
 * state) gets the real xSync.
 */
static int pcSync(sqlite3_file *f, int flags) {
  PcFile *p = (PcFile *)f;
  if (!p->state) return p->pReal->pMethods->xSync(p->pReal, flags);
  pthread_mutex_lock(&pcMutex);
  PcState *s = p->state;
  if (pcArmed && pcIsDirty(s)) pcCutLocked(pcArmedGarble, pcArmedSeed, pcArmedLog, "sync");
  /* Taken before the writes reach the file: a commit acknowledged before this time is on the
   * disk once this sync returns; one acknowledged after it may be lost by a later cut. */
  i64 now = pcNow();
  int rc = pcApply(s, p->pReal);
  if (rc == SQLITE_OK) {
    s->syncs++;
    s->lastSyncNanos = now;
  }
  pthread_mutex_unlock(&pcMutex);
  return rc;
}

static int pcFileSize(sqlite3_file *f, i64 *size) {
  PcFile *p = (PcFile *)f;
  if (!p->state) return p->pReal->pMethods->xFileSize(p->pReal, size);
  pthread_mutex_lock(&pcMutex);
  *size = p->state->size;
  pthread_mutex_unlock(&pcMutex);
  return SQLITE_OK;
}

static int pcLock(sqlite3_file *f, int level) {
  return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int pcUnlock(sqlite3_file *f, int level) {
  return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int pcCheckReservedLock(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int pcFileControl(sqlite3_file *f, int op, void *arg) {
  switch (op) {
    /* Both would let the real VFS grow the file behind the pending state. */
    case SQLITE_FCNTL_SIZE_HINT:
    case SQLITE_FCNTL_CHUNK_SIZE:
      return SQLITE_OK;
    case SQLITE_FCNTL_MMAP_SIZE:
      *(i64 *)arg = 0;
      return SQLITE_OK;
    default:
      return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
  }
}

static int pcSectorSize(sqlite3_file *f) {
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int pcDeviceCharacteristics(sqlite3_file *f) {
  /* Claim no atomic or ordered writes: the layer provides neither. */
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f))
      & ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K | SQLITE_IOCAP_ATOMIC2K
          | SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K | SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K
          | SQLITE_IOCAP_ATOMIC64K | SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL
          | SQLITE_IOCAP_BATCH_ATOMIC);
}

static int pcShmMap(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
  return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int pcShmLock(sqlite3_file *f, int offset, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void pcShmBarrier(sqlite3_file *f) {
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int pcShmUnmap(sqlite3_file *f, int deleteFlag) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), deleteFlag);
}

/* Version 2: shared memory, but no xFetch/xUnfetch, so SQLite never memory-maps these files. */
static const sqlite3_io_methods pcIoMethods = {
  2, pcClose, pcRead, pcWrite, pcTruncate, pcSync, pcFileSize, pcLock, pcUnlock, pcCheckReservedLock,
  pcFileControl, pcSectorSize, pcDeviceCharacteristics, pcShmMap, pcShmLock, pcShmBarrier, pcShmUnmap,
  0, 0
};

/* For a file whose real VFS has no shared memory (not the case of "unix"). */
static const sqlite3_io_methods pcIoMethodsV1 = {
  1, pcClose, pcRead, pcWrite, pcTruncate, pcSync, pcFileSize, pcLock, pcUnlock, pcCheckReservedLock,
  pcFileControl, pcSectorSize, pcDeviceCharacteristics, 0, 0, 0, 0, 0, 0
};

/* ---- vfs methods ---- */

static int pcOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *outFlags) {
  (void)vfs;
  PcFile *p = (PcFile *)f;
  p->pReal = (sqlite3_file *)&p[1];
  p->state = NULL;
  int rc = pcReal->xOpen(pcReal, name, p->pReal, flags, outFlags);
  if (!p->pReal->pMethods) {
    f->pMethods = NULL;
    return rc;
  }
  f->pMethods = p->pReal->pMethods->iVersion >= 2 ? &pcIoMethods : &pcIoMethodsV1;
  if (rc != SQLITE_OK || !name || (flags & SQLITE_OPEN_DELETEONCLOSE)) return rc;
  pthread_mutex_lock(&pcMutex);
  PcState *s = pcFind(name);
  if (s && !pcIsDirty(s)) { /* nothing pending: the real file is the content, whoever changed it */
    rc = p->pReal->pMethods->xFileSize(p->pReal, &s->size);
    s->base = s->size;
  }
  if (!s) {
    i64 size = 0;
    rc = p->pReal->pMethods->xFileSize(p->pReal, &size);
    s = rc == SQLITE_OK ? sqlite3_malloc(sizeof(*s)) : NULL;
    if (s) {
      memset(s, 0, sizeof(*s));
      s->path = sqlite3_mprintf("%s", name);
      if (!s->path) {
        sqlite3_free(s);
        s = NULL;
      }
    }
    if (s) {
      s->size = s->base = size;
      s->listed = 1;
      s->next = pcFiles;
      pcFiles = s;
    } else if (rc == SQLITE_OK) {
      rc = SQLITE_NOMEM;
    }
  }
  if (s) {
    s->handles++;
    p->state = s;
  }
  pthread_mutex_unlock(&pcMutex);
  return rc;
}

static int pcDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
  (void)vfs;
  pthread_mutex_lock(&pcMutex);
  PcState *s = pcFind(name);
  if (s) {
    pcUnlist(s); /* the next open of this path starts afresh */
    if (s->handles == 0) pcFree(s); else pcClearPending(s);
  }
  pthread_mutex_unlock(&pcMutex);
  return pcReal->xDelete(pcReal, name, syncDir);
}

static int pcAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  return pcReal->xAccess(pcReal, name, flags, out);
}

static int pcFullPathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  return pcReal->xFullPathname(pcReal, name, n, out);
}

static void *pcDlOpen(sqlite3_vfs *vfs, const char *path) {
  (void)vfs;
  return pcReal->xDlOpen(pcReal, path);
}

static void pcDlError(sqlite3_vfs *vfs, int n, char *msg) {
  (void)vfs;
  pcReal->xDlError(pcReal, n, msg);
}

static void (*pcDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
  (void)vfs;
  return pcReal->xDlSym(pcReal, handle, symbol);
}

static void pcDlClose(sqlite3_vfs *vfs, void *handle) {
  (void)vfs;
  pcReal->xDlClose(pcReal, handle);
}

static int pcRandomness(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return pcReal->xRandomness(pcReal, n, out);
}

static int pcSleep(sqlite3_vfs *vfs, int micros) {
  (void)vfs;
  return pcReal->xSleep(pcReal, micros);
}

static int pcCurrentTime(sqlite3_vfs *vfs, double *out) {
  (void)vfs;
  return pcReal->xCurrentTime(pcReal, out);
}

static int pcGetLastError(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return pcReal->xGetLastError ? pcReal->xGetLastError(pcReal, n, out) : 0;
}

static int pcCurrentTimeInt64(sqlite3_vfs *vfs, i64 *out) {
  (void)vfs;
  return pcReal->xCurrentTimeInt64(pcReal, out);
}

static int pcSetSystemCall(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr call) {
  (void)vfs;
  return pcReal->xSetSystemCall(pcReal, name, call);
}

static sqlite3_syscall_ptr pcGetSystemCall(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return pcReal->xGetSystemCall(pcReal, name);
}

static const char *pcNextSystemCall(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return pcReal->xNextSystemCall(pcReal, name);
}

/* ---- the cut ---- */

/* splitmix64: a small seeded generator, so a cut can be repeated. */
static uint64_t pcRandom(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void pcPwriteAll(int fd, const unsigned char *data, i64 n, i64 off) {
  while (n > 0) {
    ssize_t w = pwrite(fd, data, (size_t)n, (off_t)off);
    if (w <= 0) return; /* the process ends anyway; the log says what was meant */
    data += w;
    n -= w;
    off += w;
  }
}

/* Garble mode for one file: each pending range is kept, garbled or lost. */
static void pcGarble(PcState *s, uint64_t *rnd) {
  int fd = -1;
  for (int r = 0; r < s->nRanges; r++) {
    PcRange range = s->ranges[r];
    int choice = (int)(pcRandom(rnd) % 3);
    if (choice == 0 && range.off + range.len > s->size) choice = 2; /* truncated since: cannot be kept */
    if (choice == 2) {
      s->lost++;
      continue;
    }
    if (fd < 0) fd = open(s->path, O_WRONLY);
    if (fd < 0) return;
    if (choice == 0) {
      for (i64 done = 0; done < range.len;) {
        i64 at = range.off + done;
        i64 inBlock = at % PC_BLOCK;
        i64 piece = PC_BLOCK - inBlock < range.len - done ? PC_BLOCK - inBlock : range.len - done;
        const unsigned char *block = s->blocks[at / PC_BLOCK];
        if (block) pcPwriteAll(fd, block + inBlock, piece, at); /* no block: a hole left by a truncation */
        done += piece;
      }
      s->kept++;
    } else {
      i64 start = (i64)(pcRandom(rnd) % (uint64_t)range.len);
      i64 len = 1 + (i64)(pcRandom(rnd) % (uint64_t)(range.len - start));
      unsigned char noise[PC_BLOCK];
      for (i64 done = 0; done < len;) {
        i64 piece = len - done < PC_BLOCK ? len - done : PC_BLOCK;
        for (i64 i = 0; i < piece; i++) noise[i] = (unsigned char)pcRandom(rnd);
        pcPwriteAll(fd, noise, piece, range.off + start + done);
        done += piece;
      }
      s->garbled++;
    }
  }
  if (fd >= 0) close(fd);
}

static char *pcDescribe(const char *header) {
  sqlite3_str *out = sqlite3_str_new(0);
  if (header) sqlite3_str_appendf(out, "%s\n", header);
  for (PcState *s = pcFiles; s; s = s->next) {
    sqlite3_str_appendf(out, "file %lld %lld %lld %d %lld %lld %lld %s\n", s->lastSyncNanos, s->syncs,
        s->pendingBytes, s->nRanges, s->kept, s->garbled, s->lost, s->path);
  }
  int failed = sqlite3_str_errcode(out) != SQLITE_OK;
  char *text = sqlite3_str_finish(out);
  return text || failed ? text : sqlite3_mprintf("%s", ""); /* finish gives NULL for "" */
}

/* The cut, with pcMutex held: never returns, never unlocks. */
static void pcCutLocked(int garble, i64 seed, const char *log, const char *moment) {
  i64 cutAt = pcNow();
  uint64_t rnd = (uint64_t)seed;
  if (garble) {
    for (PcState *s = pcFiles; s; s = s->next) pcGarble(s, &rnd);
  } else {
    for (PcState *s = pcFiles; s; s = s->next) s->lost = s->nRanges;
  }
  if (log) {
    char header[160];
    snprintf(header, sizeof header, "cut %s %lld %lld %s", garble ? "garble" : "drop", (long long)seed,
        (long long)cutAt, moment);
    char *text = pcDescribe(header);
    int fd = text ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    if (fd >= 0) {
      pcPwriteAll(fd, (const unsigned char *)text, (i64)strlen(text), 0);
      close(fd);
    }
  }
  _exit(PC_CUT_EXIT);
}

/* powercut_cut(mode, seed, sync_log[, moment]): moment 'now' (the default) or 'sync'. */
static void pcCutFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *mode = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
  const char *moment = argc > 3 ? (const char *)sqlite3_value_text(argv[3]) : "now";
  int garble = mode && strcmp(mode, "garble") == 0;
  int atSync = moment && strcmp(moment, "sync") == 0;
  if (!mode || (!garble && strcmp(mode, "drop") != 0) || !moment || (!atSync && strcmp(moment, "now") != 0)) {
    sqlite3_result_error(ctx,
        "powercut_cut(mode, seed, sync_log[, moment]): mode is 'drop' or 'garble', moment 'now' or 'sync'", -1);
    return;
  }
  i64 seed = argc > 1 ? sqlite3_value_int64(argv[1]) : 0;
  const char *log = argc > 2 ? (const char *)sqlite3_value_text(argv[2]) : NULL;
  pthread_mutex_lock(&pcMutex);
  if (!atSync) pcCutLocked(garble, seed, log, "now"); /* no VFS operation runs after this */
  sqlite3_free(pcArmedLog);
  pcArmedLog = log ? sqlite3_mprintf("%s", log) : NULL;
  pcArmedGarble = garble;
  pcArmedSeed = seed;
  pcArmed = 1;
  pthread_mutex_unlock(&pcMutex);
  sqlite3_result_int(ctx, 0);
}

static void pcStatsFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  pthread_mutex_lock(&pcMutex);
  char *text = pcDescribe(NULL);
  pthread_mutex_unlock(&pcMutex);
  if (!text) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, text, -1, sqlite3_free);
}

/* ---- files for the layer's own tests ---- */

static sqlite3_file *pcTestOpen(sqlite3_context *ctx, const char *path) {
  sqlite3_file *f = sqlite3_malloc(pcVfs.szOsFile);
  if (!f) {
    sqlite3_result_error_nomem(ctx);
    return NULL;
  }
  memset(f, 0, (size_t)pcVfs.szOsFile);
  int out = 0;
  int rc = pcOpen(&pcVfs, path, f, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out);
  if (rc != SQLITE_OK) {
    if (f->pMethods) f->pMethods->xClose(f);
    sqlite3_free(f);
    sqlite3_result_error_code(ctx, rc);
    return NULL;
  }
  return f;
}

static void pcTestClose(sqlite3_context *ctx, sqlite3_file *f, int rc) {
  f->pMethods->xClose(f);
  sqlite3_free(f);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) sqlite3_result_error_code(ctx, rc);
}

static void pcFileWriteFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_file *f = pcTestOpen(ctx, (const char *)sqlite3_value_text(argv[0]));
  if (!f) return;
  int n = sqlite3_value_bytes(argv[2]);
  const void *data = sqlite3_value_blob(argv[2]);
  int rc = n > 0 ? f->pMethods->xWrite(f, data, n, sqlite3_value_int64(argv[1])) : SQLITE_OK;
  sqlite3_result_int(ctx, n);
  pcTestClose(ctx, f, rc);
}

static void pcFileReadFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int n = sqlite3_value_int(argv[2]);
  unsigned char *buf = sqlite3_malloc(n > 0 ? n : 1);
  if (!buf) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_file *f = pcTestOpen(ctx, (const char *)sqlite3_value_text(argv[0]));
  if (!f) {
    sqlite3_free(buf);
    return;
  }
  int rc = n > 0 ? f->pMethods->xRead(f, buf, n, sqlite3_value_int64(argv[1])) : SQLITE_OK;
  sqlite3_result_blob(ctx, buf, n, sqlite3_free);
  pcTestClose(ctx, f, rc);
}

static void pcFileTruncateFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_file *f = pcTestOpen(ctx, (const char *)sqlite3_value_text(argv[0]));
  if (!f) return;
  int rc = f->pMethods->xTruncate(f, sqlite3_value_int64(argv[1]));
  sqlite3_result_int(ctx, 1);
  pcTestClose(ctx, f, rc);
}

static void pcFileSyncFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_file *f = pcTestOpen(ctx, (const char *)sqlite3_value_text(argv[0]));
  if (!f) return;
  int rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
  sqlite3_result_int(ctx, 1);
  pcTestClose(ctx, f, rc);
}

/* ---- registration ---- */

static int pcRegister(void) {
  pthread_mutex_lock(&pcMutex);
  int rc = SQLITE_OK;
  if (!pcRegistered) {
    pcReal = sqlite3_vfs_find(0);
    if (!pcReal) {
      rc = SQLITE_ERROR;
    } else {
      pcVfs.iVersion = pcReal->iVersion < 3 ? pcReal->iVersion : 3;
      pcVfs.szOsFile = (int)sizeof(PcFile) + pcReal->szOsFile;
      pcVfs.mxPathname = pcReal->mxPathname;
      pcVfs.zName = "powercut";
      pcVfs.xOpen = pcOpen;
      pcVfs.xDelete = pcDelete;
      pcVfs.xAccess = pcAccess;
      pcVfs.xFullPathname = pcFullPathname;
      pcVfs.xDlOpen = pcDlOpen;
      pcVfs.xDlError = pcDlError;
      pcVfs.xDlSym = pcDlSym;
      pcVfs.xDlClose = pcDlClose;
      pcVfs.xRandomness = pcRandomness;
      pcVfs.xSleep = pcSleep;
      pcVfs.xCurrentTime = pcCurrentTime;
      pcVfs.xGetLastError = pcGetLastError;
      if (pcVfs.iVersion >= 2) pcVfs.xCurrentTimeInt64 = pcCurrentTimeInt64;
      if (pcVfs.iVersion >= 3) {
        pcVfs.xSetSystemCall = pcSetSystemCall;
        pcVfs.xGetSystemCall = pcGetSystemCall;
        pcVfs.xNextSystemCall = pcNextSystemCall;
      }
      rc = sqlite3_vfs_register(&pcVfs, 1);
      pcRegistered = rc == SQLITE_OK;
    }
  }
  pthread_mutex_unlock(&pcMutex);
  return rc;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_powercut_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  int rc = pcRegister();
  if (rc != SQLITE_OK) {
    *pzErrMsg = sqlite3_mprintf("powercut: cannot register the VFS (no default VFS to wrap?)");
    return rc;
  }
  struct {
    const char *name;
    int args;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
  } functions[] = {
    {"powercut_cut", -1, pcCutFunc},
    {"powercut_stats", 0, pcStatsFunc},
    {"powercut_file_write", 3, pcFileWriteFunc},
    {"powercut_file_read", 3, pcFileReadFunc},
    {"powercut_file_truncate", 2, pcFileTruncateFunc},
    {"powercut_file_sync", 1, pcFileSyncFunc},
  };
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof functions / sizeof functions[0]; i++) {
    rc = sqlite3_create_function(db, functions[i].name, functions[i].args, SQLITE_UTF8, 0, functions[i].fn, 0, 0);
  }
  /* Stay loaded when this connection closes: the VFS is in use by others. */
  return rc == SQLITE_OK ? SQLITE_OK_LOAD_PERMANENTLY : rc;
}
