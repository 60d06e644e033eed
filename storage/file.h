/* storage/file.h: all file I/O of the engine, behind a small interface so tests can inject
 * faults and simulate a power cut.
 *
 * Two implementations: vfs_posix() (pread/pwrite/fdatasync, OFD locks) and the fault-injecting
 * in-memory VFS of file_fault.c (vfs_fault_*), which models exactly what survives a power cut:
 * the bytes covered by a completed sync, plus an arbitrary subset of later writes, each possibly
 * torn at 4 KiB boundaries; a file created or removed since its directory was last synced may
 * come back in either state.
 *
 * Errors map errno to SQLSTATEs: ENOSPC/EDQUOT -> DISK_FULL (53100), ENOENT -> UNDEFINED_FILE
 * (58P01), anything else -> IO_ERROR (58030). Messages name the file, as PostgreSQL's do:
 * `could not write to file "x.birch": No space left on device`. */
#ifndef BIRCH_STORAGE_FILE_H
#define BIRCH_STORAGE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct File File;
typedef struct Vfs  Vfs;

enum {
    FILE_OPEN_CREATE = 1,     /* create the file if it does not exist */
    FILE_OPEN_EXCLUSIVE = 2,  /* with CREATE: fail with DUPLICATE_FILE if it exists */
    FILE_OPEN_READONLY = 4,
};

typedef struct FileOps {
    /* read: exactly size bytes at offset; a short read (past the end) is an IO_ERROR. */
    Error *(*read)(File *file, uint64_t offset, void *buffer, size_t size);
    /* write: exactly size bytes at offset, extending the file if needed (no holes are read). */
    Error *(*write)(File *file, uint64_t offset, const void *buffer, size_t size);
    /* sync: make every completed write of this file durable (fdatasync). */
    Error *(*sync)(File *file);
    Error *(*size)(File *file, uint64_t *size_out);
    Error *(*truncate)(File *file, uint64_t size);
    /* allocate (optional, NULL: file_allocate writes zeros through write): see file_allocate. */
    Error *(*allocate)(File *file, uint64_t offset, uint64_t size);
    /* start_writeback (optional, NULL: nothing): see file_start_writeback. */
    void (*start_writeback)(File *file, uint64_t offset, uint64_t size);
    /* lock: take (or fail to take) the process-wide exclusive lock on the file (shared if the
     * file was opened FILE_OPEN_READONLY: read-only holders coexist). An OFD lock on POSIX, so
     * closing another descriptor of the file never drops it. OBJECT_IN_USE (55006) naming the
     * holder's pid if another process holds it ("database file \"x\" is locked by process
     * 1234"), or "already open in this process" for a second handle of this process. Held
     * until close; calling it again on the same handle is a no-op. */
    Error *(*lock)(File *file);
    void   (*close)(File *file);
} FileOps;

struct File {
    const FileOps *ops;
    Vfs           *vfs;
    char          *path;      /* owned by the implementation, valid until close */
};

typedef struct VfsOps {
    Error *(*open)(Vfs *vfs, const char *path, int flags, File **file_out);
    Error *(*remove)(Vfs *vfs, const char *path);
    Error *(*exists)(Vfs *vfs, const char *path, bool *exists_out);
    /* sync_dir: make the directory entry of path durable (fsync of its parent directory). */
    Error *(*sync_dir)(Vfs *vfs, const char *path);
} VfsOps;

struct Vfs {
    const VfsOps *ops;
};

/* vfs_posix: the real file system (a static singleton; never destroyed). */
Vfs *vfs_posix(void);

static inline Error *file_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    return file->ops->read(file, offset, buffer, size);
}
static inline Error *file_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    return file->ops->write(file, offset, buffer, size);
}
static inline Error *file_sync(File *file) { return file->ops->sync(file); }
static inline Error *file_size(File *file, uint64_t *size_out)
{
    return file->ops->size(file, size_out);
}
static inline Error *file_truncate(File *file, uint64_t size)
{
    return file->ops->truncate(file, size);
}
/* file_allocate: make the file at least offset + size bytes long with the disk space of
 * [offset, offset + size) reserved (DISK_FULL now rather than at a later write); bytes
 * already in the file are kept, new ones read as zeros. Like a write it is durable only after
 * sync: a power cut may drop or tear it (the fault VFS treats it as a write of zeros beyond
 * the old end, and its write fault rules fire on it). POSIX: posix_fallocate, which writes
 * no data blocks (the WAL does not use it: storage/README.md invariant 12). A FileOps without
 * allocate gets zero writes through its own write op, so wrapping test layers see every byte.
 * Errors: DISK_FULL, IO_ERROR (also for a read-only handle). */
Error *file_allocate(File *file, uint64_t offset, uint64_t size);
/* file_start_writeback: a hint that [offset, offset + size), already written, will be synced
 * soon: the device may start writing it now, so the later sync waits only for what is left
 * (POSIX on Linux: sync_file_range(SYNC_FILE_RANGE_WRITE), which does not wait for the data;
 * elsewhere, and in a FileOps without it, nothing). Durability still needs file_sync; an I/O
 * error of the writeback is reported by that sync, so the hint itself returns nothing. */
static inline void file_start_writeback(File *file, uint64_t offset, uint64_t size)
{
    if (file->ops->start_writeback != NULL) file->ops->start_writeback(file, offset, size);
}
static inline Error *file_lock(File *file) { return file->ops->lock(file); }
static inline void   file_close(File *file) { if (file != NULL) file->ops->close(file); }
static inline Error *file_open(Vfs *vfs, const char *path, int flags, File **file_out)
{
    return vfs->ops->open(vfs, path, flags, file_out);
}
static inline Error *file_remove(Vfs *vfs, const char *path) { return vfs->ops->remove(vfs, path); }
static inline Error *file_exists(Vfs *vfs, const char *path, bool *exists_out)
{
    return vfs->ops->exists(vfs, path, exists_out);
}
static inline Error *file_sync_dir(Vfs *vfs, const char *path)
{
    return vfs->ops->sync_dir(vfs, path);
}

/* ---- the fault-injecting in-memory VFS (file_fault.c), for tests and the crash harness ---- */

typedef enum FaultKind {
    FAULT_READ_EIO,      /* read fails with IO_ERROR */
    FAULT_WRITE_EIO,     /* write fails with IO_ERROR, nothing written */
    FAULT_WRITE_ENOSPC,  /* write fails with DISK_FULL, nothing written */
    FAULT_SYNC_EIO,      /* sync fails with IO_ERROR; like Linux, the unsynced writes may be lost */
} FaultKind;

/* vfs_fault_create: an empty in-memory file system; seed drives every random choice. */
Vfs  *vfs_fault_create(uint64_t seed);
void  vfs_fault_destroy(Vfs *vfs);
/* vfs_fault_inject: from the (skip_count + 1)-th matching call on, fail fail_count calls
 * (0 = every later call). path NULL matches every file. Several rules may be armed at once. */
void  vfs_fault_inject(Vfs *vfs, const char *path, FaultKind kind, uint64_t skip_count,
                       uint64_t fail_count);
void  vfs_fault_clear(Vfs *vfs);
/* vfs_fault_set_capacity: total bytes the "disk" holds; a write beyond fails with DISK_FULL.
 * 0 = unlimited. */
void  vfs_fault_set_capacity(Vfs *vfs, uint64_t byte_count_max);
/* vfs_fault_power_cut: simulate a power failure now. Every file reverts to its last synced
 * content plus a random subset of the writes since, each applied whole, dropped, or torn (only
 * some of its 4 KiB-aligned pieces applied); files whose creation or removal was not made
 * durable by sync_dir randomly exist or not. Open File handles stay valid but see the new
 * state (tests reopen anyway). Returns the number of writes dropped or torn. */
uint64_t vfs_fault_power_cut(Vfs *vfs);
/* vfs_fault_corrupt: flip the bits of mask at byte offset of path's durable and current
 * content (corruption tests). */
Error *vfs_fault_corrupt(Vfs *vfs, const char *path, uint64_t offset, uint8_t mask);
/* vfs_fault_save / vfs_fault_load: copy one in-memory file's current content to / from a
 * real file, so a crash-test child can hand its post-power-cut image to the parent. */
Error *vfs_fault_save(Vfs *vfs, const char *path, const char *real_path);
Error *vfs_fault_load(Vfs *vfs, const char *path, const char *real_path);

#endif
