/* storage/file_fault.c: the fault-injecting in-memory VFS (vfs_fault_*) for tests and the crash
 * harness.
 *
 * Model. A name table maps each path to an inode; each entry also remembers the inode its path
 * had when its directory was last synced (durable_inode, NULL = absent). Each inode has:
 *   content   what reads see now (the page cache);
 *   durable   what the disk holds: the content as of the last successful sync;
 *   pending   the writes and truncates since then, in order.
 * A successful sync applies pending to durable (not a copy of content: writes lost by a failed
 * sync stay lost, like Linux after a writeback error). A failed sync (FAULT_SYNC_EIO) applies a
 * random subset of pending to durable and forgets the rest; content is unchanged.
 * A power cut sets every inode's content to durable plus a random subset of pending, each write
 * applied whole, dropped, or torn (each of its 4 KiB-aligned pieces applied or not), each
 * truncate applied or not; every path whose inode differs from durable_inode takes either one.
 *
 * Fault rules count the calls of their kind (read, write, sync) on matching paths; both write
 * kinds count every write. One mutex guards everything. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/asserts.h"
#include "storage/file.h"

enum { FAULT_RULE_COUNT_MAX = 32, FAULT_TEAR_SIZE = 4096 };

typedef struct Extent {   /* a growable byte image */
    uint8_t *data;
    uint64_t size;
    uint64_t capacity;
} Extent;

typedef struct PendingOp {
    bool     is_truncate;
    uint64_t offset;        /* write offset, or the new size of a truncate */
    uint64_t size;
    uint8_t *bytes;
} PendingOp;

typedef struct Inode {
    int        ref_count;   /* entries (current or durable) and open handles */
    Extent     content;
    Extent     durable;
    PendingOp *pending;
    size_t     pending_count;
    size_t     pending_capacity;
    bool       locked_shared;   /* the holders took read-only (shared) locks */
    int        lock_count;      /* handles holding the lock */
} Inode;

typedef struct Entry {
    char         *path;
    Inode        *inode;          /* current; NULL = removed */
    Inode        *durable_inode;  /* as of the last sync_dir; NULL = absent */
    struct Entry *next;
} Entry;

typedef struct FaultRule {
    char     *path;               /* NULL: every file */
    FaultKind kind;
    uint64_t  skip_count;
    uint64_t  fail_count;
    uint64_t  seen_count;
} FaultRule;

typedef struct FaultVfs {
    Vfs             base;
    pthread_mutex_t mutex;
    uint64_t        rng;
    Entry          *entries;
    FaultRule       rules[FAULT_RULE_COUNT_MAX];
    int             rule_count;
    uint64_t        capacity;     /* 0: unlimited */
} FaultVfs;

typedef struct FaultFile {
    File   base;
    Inode *inode;
    bool   read_only;
    bool   holds_lock;
} FaultFile;

static uint64_t rng_next(FaultVfs *fault)
{
    /* splitmix64: good enough and reproducible from the seed */
    uint64_t value = (fault->rng += 0x9e3779b97f4a7c15ull);
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

static bool extent_reserve(Extent *extent, uint64_t size)
{
    if (size <= extent->capacity) return true;
    uint64_t capacity = extent->capacity < 4096 ? 4096 : extent->capacity;
    while (capacity < size) capacity *= 2;
    uint8_t *data = realloc(extent->data, capacity);
    if (data == NULL) return false;
    extent->data = data;
    extent->capacity = capacity;
    return true;
}

static bool extent_resize(Extent *extent, uint64_t size)
{
    if (!extent_reserve(extent, size)) return false;
    if (size > extent->size) memset(extent->data + extent->size, 0, size - extent->size);
    extent->size = size;
    return true;
}

static bool extent_write(Extent *extent, uint64_t offset, const uint8_t *bytes, uint64_t size)
{
    if (offset + size > extent->size && !extent_resize(extent, offset + size)) return false;
    memcpy(extent->data + offset, bytes, size);
    return true;
}

static bool extent_copy(Extent *to, const Extent *from)
{
    if (!extent_resize(to, from->size)) return false;
    if (from->size > 0) memcpy(to->data, from->data, from->size);
    return true;
}

static void inode_release(Inode *inode)
{
    if (inode == NULL) return;
    VERIFY(inode->ref_count > 0);
    if (--inode->ref_count > 0) return;
    for (size_t op_idx = 0; op_idx < inode->pending_count; op_idx++) {
        free(inode->pending[op_idx].bytes);
    }
    free(inode->pending);
    free(inode->content.data);
    free(inode->durable.data);
    free(inode);
}

static void pending_clear(Inode *inode)
{
    for (size_t op_idx = 0; op_idx < inode->pending_count; op_idx++) {
        free(inode->pending[op_idx].bytes);
    }
    inode->pending_count = 0;
}

/* apply_op_randomly: apply op to extent whole, not at all, or torn; true if not applied whole.
 * Pieces of a torn write are split at 4 KiB boundaries of the file, as a page cache would. */
static bool apply_op_randomly(FaultVfs *fault, Extent *extent, const PendingOp *op)
{
    uint64_t choice = rng_next(fault) % 3;
    if (op->is_truncate) {
        if (choice == 0) return true;
        VERIFY(extent_resize(extent, op->offset));
        return false;
    }
    if (choice == 0) return true;
    if (choice == 1) {
        VERIFY(extent_write(extent, op->offset, op->bytes, op->size));
        return false;
    }
    uint64_t piece_start = op->offset;
    uint64_t end = op->offset + op->size;
    while (piece_start < end) {
        uint64_t piece_end = (piece_start / FAULT_TEAR_SIZE + 1) * FAULT_TEAR_SIZE;
        if (piece_end > end) piece_end = end;
        if (rng_next(fault) & 1) {
            /* A piece past the current end extends the file; earlier skipped pieces read zero. */
            VERIFY(extent_write(extent, piece_start, op->bytes + (piece_start - op->offset),
                                piece_end - piece_start));
        }
        piece_start = piece_end;
    }
    return true;
}

static bool apply_op(Extent *extent, const PendingOp *op)
{
    if (op->is_truncate) return extent_resize(extent, op->offset);
    return extent_write(extent, op->offset, op->bytes, op->size);
}

static Entry *entry_find(FaultVfs *fault, const char *path)
{
    for (Entry *entry = fault->entries; entry != NULL; entry = entry->next) {
        if (strcmp(entry->path, path) == 0) return entry;
    }
    return NULL;
}

/* rule_fires: count this call against every rule of kind for path; true if one fails it. */
static bool rule_fires(FaultVfs *fault, const char *path, FaultKind kind)
{
    bool fires = false;
    for (int rule_idx = 0; rule_idx < fault->rule_count; rule_idx++) {
        FaultRule *rule = &fault->rules[rule_idx];
        if (rule->kind != kind) continue;
        if (rule->path != NULL && strcmp(rule->path, path) != 0) continue;
        rule->seen_count++;
        if (rule->seen_count <= rule->skip_count) continue;
        if (rule->fail_count == 0 || rule->seen_count <= rule->skip_count + rule->fail_count) {
            fires = true;
        }
    }
    return fires;
}

static uint64_t used_size(FaultVfs *fault)
{
    uint64_t total = 0;
    for (Entry *entry = fault->entries; entry != NULL; entry = entry->next) {
        if (entry->inode != NULL) total += entry->inode->content.size;
    }
    return total;
}

static Error *fault_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    pthread_mutex_lock(&fault->mutex);
    if (rule_fires(fault, file->path, FAULT_READ_EIO)) {
        pthread_mutex_unlock(&fault->mutex);
        return err_new(SQLSTATE_IO_ERROR, "could not read file \"%s\": %s", file->path,
                       strerror(EIO));
    }
    Extent *content = &handle->inode->content;
    if (offset > content->size || size > content->size - offset) {
        uint64_t have = offset > content->size ? 0 : content->size - offset;
        pthread_mutex_unlock(&fault->mutex);
        return err_new(SQLSTATE_IO_ERROR,
                       "could not read file \"%s\": read only %llu of %zu bytes at offset %llu",
                       file->path, (unsigned long long)have, size, (unsigned long long)offset);
    }
    memcpy(buffer, content->data + offset, size);
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}

static Error *pending_append(Inode *inode, const PendingOp *op)
{
    if (inode->pending_count == inode->pending_capacity) {
        size_t     capacity = inode->pending_capacity == 0 ? 16 : inode->pending_capacity * 2;
        PendingOp *pending = realloc(inode->pending, capacity * sizeof *pending);
        if (pending == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        inode->pending = pending;
        inode->pending_capacity = capacity;
    }
    inode->pending[inode->pending_count++] = *op;
    return NULL;
}

/* A write of size bytes at offset; buffer NULL (allocate) means zeros, and only the part
 * beyond the current end is written (atomically with reading that end). */
static Error *write_bytes(File *file, uint64_t offset, const void *buffer, size_t size)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    Inode     *inode = handle->inode;
    if (handle->read_only) {
        return err_new(SQLSTATE_IO_ERROR, "could not write to file \"%s\": %s", file->path,
                       strerror(EBADF));
    }
    pthread_mutex_lock(&fault->mutex);
    if (buffer == NULL) {
        uint64_t end_wanted = offset + size;
        if (end_wanted <= inode->content.size) {
            pthread_mutex_unlock(&fault->mutex);
            return NULL;
        }
        if (offset < inode->content.size) offset = inode->content.size;
        size = (size_t)(end_wanted - offset);
    }
    bool eio = rule_fires(fault, file->path, FAULT_WRITE_EIO);
    bool enospc = rule_fires(fault, file->path, FAULT_WRITE_ENOSPC);
    uint64_t end = offset + size;
    if (!enospc && fault->capacity != 0 && end > inode->content.size &&
        used_size(fault) + (end - inode->content.size) > fault->capacity) {
        enospc = true;
    }
    if (eio || enospc) {
        pthread_mutex_unlock(&fault->mutex);
        return err_new(eio ? SQLSTATE_IO_ERROR : SQLSTATE_DISK_FULL,
                       "could not write to file \"%s\": %s", file->path,
                       strerror(eio ? EIO : ENOSPC));
    }
    PendingOp op = {.offset = offset, .size = size, .bytes = malloc(size == 0 ? 1 : size)};
    if (op.bytes == NULL || !extent_reserve(&inode->content, end)) {
        free(op.bytes);
        pthread_mutex_unlock(&fault->mutex);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    if (buffer != NULL) memcpy(op.bytes, buffer, size);
    else memset(op.bytes, 0, size);
    Error *err = pending_append(inode, &op);
    if (err != NULL) {
        free(op.bytes);
    } else {
        VERIFY(extent_write(&inode->content, offset, op.bytes, size));
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

static Error *fault_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    static const uint8_t empty[1];
    return write_bytes(file, offset, buffer != NULL ? buffer : empty, size);
}

/* allocate: a write of zeros beyond the current end (what survives a power cut is decided
 * like any write's: the zeros are pending until a sync, and may be dropped or torn). The
 * write fault rules fire on it. */
static Error *fault_allocate(File *file, uint64_t offset, uint64_t size)
{
    return write_bytes(file, offset, NULL, (size_t)size);
}

static Error *fault_sync(File *file)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    Inode     *inode = handle->inode;
    pthread_mutex_lock(&fault->mutex);
    if (rule_fires(fault, file->path, FAULT_SYNC_EIO)) {
        for (size_t op_idx = 0; op_idx < inode->pending_count; op_idx++) {
            apply_op_randomly(fault, &inode->durable, &inode->pending[op_idx]);
        }
        pending_clear(inode);
        pthread_mutex_unlock(&fault->mutex);
        return err_new(SQLSTATE_IO_ERROR, "could not fsync file \"%s\": %s", file->path,
                       strerror(EIO));
    }
    for (size_t op_idx = 0; op_idx < inode->pending_count; op_idx++) {
        if (!apply_op(&inode->durable, &inode->pending[op_idx])) {
            pthread_mutex_unlock(&fault->mutex);   /* the ops applied so far are harmless */
            return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        }
    }
    pending_clear(inode);
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}

static Error *fault_size(File *file, uint64_t *size_out)
{
    FaultVfs *fault = (FaultVfs *)file->vfs;
    pthread_mutex_lock(&fault->mutex);
    *size_out = ((FaultFile *)file)->inode->content.size;
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}

static Error *fault_truncate(File *file, uint64_t size)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    if (handle->read_only) {
        return err_new(SQLSTATE_IO_ERROR, "could not truncate file \"%s\": %s", file->path,
                       strerror(EBADF));
    }
    pthread_mutex_lock(&fault->mutex);
    Inode    *inode = handle->inode;
    PendingOp op = {.is_truncate = true, .offset = size};
    Error    *err = NULL;
    if (!extent_reserve(&inode->content, size)) {
        err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    } else {
        err = pending_append(inode, &op);
        if (err == NULL) VERIFY(extent_resize(&inode->content, size));
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

static Error *fault_lock(File *file)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    pthread_mutex_lock(&fault->mutex);
    Inode *inode = handle->inode;
    Error *err = NULL;
    if (!handle->holds_lock) {
        if (inode->lock_count > 0 && !(handle->read_only && inode->locked_shared)) {
            /* every handle lives in this process: name it as the POSIX VFS would */
            err = err_new(SQLSTATE_OBJECT_IN_USE, "database file \"%s\" is locked by process %d",
                          file->path, (int)getpid());
        } else {
            inode->lock_count++;
            inode->locked_shared = handle->read_only;
            handle->holds_lock = true;
        }
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

static void fault_close(File *file)
{
    FaultFile *handle = (FaultFile *)file;
    FaultVfs  *fault = (FaultVfs *)file->vfs;
    pthread_mutex_lock(&fault->mutex);
    if (handle->holds_lock) handle->inode->lock_count--;
    inode_release(handle->inode);
    pthread_mutex_unlock(&fault->mutex);
    free(file->path);
    free(handle);
}

static const FileOps FAULT_FILE_OPS = {
    .read = fault_read,
    .write = fault_write,
    .sync = fault_sync,
    .size = fault_size,
    .truncate = fault_truncate,
    .allocate = fault_allocate,
    .lock = fault_lock,
    .close = fault_close,
};

static Inode *inode_new(void)
{
    Inode *inode = calloc(1, sizeof *inode);
    if (inode != NULL) inode->ref_count = 1;
    return inode;
}

/* entry_get_or_add: the entry of path, created (absent, never durable) if missing. */
static Entry *entry_get_or_add(FaultVfs *fault, const char *path)
{
    Entry *entry = entry_find(fault, path);
    if (entry != NULL) return entry;
    entry = calloc(1, sizeof *entry);
    if (entry == NULL) return NULL;
    entry->path = strdup(path);
    if (entry->path == NULL) {
        free(entry);
        return NULL;
    }
    entry->next = fault->entries;
    fault->entries = entry;
    return entry;
}

static Error *fault_open(Vfs *vfs, const char *path, int flags, File **file_out)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_find(fault, path);
    Error *err = NULL;
    if (entry != NULL && entry->inode != NULL) {
        if ((flags & FILE_OPEN_CREATE) && (flags & FILE_OPEN_EXCLUSIVE)) {
            err = err_new(SQLSTATE_DUPLICATE_FILE, "could not open file \"%s\": %s", path,
                          strerror(EEXIST));
        }
    } else if (!(flags & FILE_OPEN_CREATE)) {
        err = err_new(SQLSTATE_UNDEFINED_FILE, "could not open file \"%s\": %s", path,
                      strerror(ENOENT));
    } else {
        entry = entry_get_or_add(fault, path);
        Inode *inode = entry == NULL ? NULL : inode_new();
        if (inode == NULL) {
            err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        } else {
            entry->inode = inode;
        }
    }
    FaultFile *handle = NULL;
    if (err == NULL) {
        handle = calloc(1, sizeof *handle);
        char *path_copy = strdup(path);
        if (handle == NULL || path_copy == NULL) {
            free(handle);
            free(path_copy);
            err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        } else {
            handle->base = (File){.ops = &FAULT_FILE_OPS, .vfs = vfs, .path = path_copy};
            handle->inode = entry->inode;
            handle->inode->ref_count++;
            handle->read_only = (flags & FILE_OPEN_READONLY) != 0;
            *file_out = &handle->base;
        }
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

static Error *fault_remove(Vfs *vfs, const char *path)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_find(fault, path);
    Error *err = NULL;
    if (entry == NULL || entry->inode == NULL) {
        err = err_new(SQLSTATE_UNDEFINED_FILE, "could not remove file \"%s\": %s", path,
                      strerror(ENOENT));
    } else {
        inode_release(entry->inode);
        entry->inode = NULL;
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

static Error *fault_exists(Vfs *vfs, const char *path, bool *exists_out)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_find(fault, path);
    *exists_out = entry != NULL && entry->inode != NULL;
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}

/* dir_size: the length of path's directory part ("a/b/c" -> 3, "c" -> 0). */
static size_t dir_size(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == NULL ? 0 : (size_t)(slash - path);
}

static Error *fault_sync_dir(Vfs *vfs, const char *path)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    size_t    size = dir_size(path);
    pthread_mutex_lock(&fault->mutex);
    for (Entry *entry = fault->entries; entry != NULL; entry = entry->next) {
        if (dir_size(entry->path) != size || memcmp(entry->path, path, size) != 0) continue;
        if (entry->durable_inode == entry->inode) continue;
        inode_release(entry->durable_inode);
        entry->durable_inode = entry->inode;
        if (entry->inode != NULL) entry->inode->ref_count++;
    }
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}

static const VfsOps FAULT_VFS_OPS = {
    .open = fault_open,
    .remove = fault_remove,
    .exists = fault_exists,
    .sync_dir = fault_sync_dir,
};

Vfs *vfs_fault_create(uint64_t seed)
{
    FaultVfs *fault = calloc(1, sizeof *fault);
    if (fault == NULL) return NULL;
    fault->base.ops = &FAULT_VFS_OPS;
    fault->rng = seed;
    pthread_mutex_init(&fault->mutex, NULL);
    return &fault->base;
}

void vfs_fault_destroy(Vfs *vfs)
{
    if (vfs == NULL) return;
    FaultVfs *fault = (FaultVfs *)vfs;
    VERIFY(vfs->ops == &FAULT_VFS_OPS);
    Entry *entry = fault->entries;
    while (entry != NULL) {
        Entry *next = entry->next;
        inode_release(entry->inode);
        inode_release(entry->durable_inode);
        free(entry->path);
        free(entry);
        entry = next;
    }
    vfs_fault_clear(vfs);
    pthread_mutex_destroy(&fault->mutex);
    free(fault);
}

void vfs_fault_inject(Vfs *vfs, const char *path, FaultKind kind, uint64_t skip_count,
                      uint64_t fail_count)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    VERIFY(fault->rule_count < FAULT_RULE_COUNT_MAX);
    char *path_copy = NULL;
    if (path != NULL) {
        path_copy = strdup(path);
        VERIFY(path_copy != NULL);
    }
    fault->rules[fault->rule_count++] = (FaultRule){
        .path = path_copy, .kind = kind, .skip_count = skip_count, .fail_count = fail_count};
    pthread_mutex_unlock(&fault->mutex);
}

void vfs_fault_clear(Vfs *vfs)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    for (int rule_idx = 0; rule_idx < fault->rule_count; rule_idx++) {
        free(fault->rules[rule_idx].path);
    }
    fault->rule_count = 0;
    pthread_mutex_unlock(&fault->mutex);
}

void vfs_fault_set_capacity(Vfs *vfs, uint64_t byte_count_max)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    fault->capacity = byte_count_max;
    pthread_mutex_unlock(&fault->mutex);
}

/* cut_inode: content = durable + a random subset of pending; pending becomes empty. */
static uint64_t cut_inode(FaultVfs *fault, Inode *inode)
{
    uint64_t lost_count = 0;
    for (size_t op_idx = 0; op_idx < inode->pending_count; op_idx++) {
        if (apply_op_randomly(fault, &inode->durable, &inode->pending[op_idx])) lost_count++;
    }
    pending_clear(inode);
    VERIFY(extent_copy(&inode->content, &inode->durable));
    return lost_count;
}

uint64_t vfs_fault_power_cut(Vfs *vfs)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    uint64_t lost_count = 0;
    /* Directory entries first: each undurable name keeps its new or its old inode. */
    for (Entry *entry = fault->entries; entry != NULL; entry = entry->next) {
        if (entry->inode == entry->durable_inode) continue;
        if (rng_next(fault) & 1) {
            inode_release(entry->inode);
            entry->inode = entry->durable_inode;
            if (entry->inode != NULL) entry->inode->ref_count++;
        } else {
            inode_release(entry->durable_inode);
            entry->durable_inode = entry->inode;
            if (entry->inode != NULL) entry->inode->ref_count++;
        }
    }
    /* Then contents; an inode shared by two entries is cut once (pending is empty after). */
    for (Entry *entry = fault->entries; entry != NULL; entry = entry->next) {
        if (entry->inode != NULL) lost_count += cut_inode(fault, entry->inode);
    }
    pthread_mutex_unlock(&fault->mutex);
    return lost_count;
}

Error *vfs_fault_corrupt(Vfs *vfs, const char *path, uint64_t offset, uint8_t mask)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_find(fault, path);
    Error *err = NULL;
    if (entry == NULL || entry->inode == NULL) {
        err = err_new(SQLSTATE_UNDEFINED_FILE, "could not open file \"%s\": %s", path,
                      strerror(ENOENT));
    } else if (offset >= entry->inode->content.size) {
        err = err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                      "offset %llu is past the end of file \"%s\"", (unsigned long long)offset,
                      path);
    } else {
        entry->inode->content.data[offset] ^= mask;
        if (offset < entry->inode->durable.size) entry->inode->durable.data[offset] ^= mask;
    }
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

Error *vfs_fault_save(Vfs *vfs, const char *path, const char *real_path)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_find(fault, path);
    if (entry == NULL || entry->inode == NULL) {
        pthread_mutex_unlock(&fault->mutex);
        return err_new(SQLSTATE_UNDEFINED_FILE, "could not open file \"%s\": %s", path,
                       strerror(ENOENT));
    }
    File  *real = NULL;
    Error *err = file_open(vfs_posix(), real_path, FILE_OPEN_CREATE, &real);
    if (err == NULL) err = file_truncate(real, 0);
    const Extent *content = &entry->inode->content;
    if (err == NULL && content->size > 0) err = file_write(real, 0, content->data, content->size);
    if (err == NULL) err = file_sync(real);
    file_close(real);
    pthread_mutex_unlock(&fault->mutex);
    return err;
}

Error *vfs_fault_load(Vfs *vfs, const char *path, const char *real_path)
{
    FaultVfs *fault = (FaultVfs *)vfs;
    File     *real = NULL;
    TRY(file_open(vfs_posix(), real_path, FILE_OPEN_READONLY, &real));
    uint64_t size = 0;
    Error   *err = file_size(real, &size);
    Inode   *inode = err == NULL ? inode_new() : NULL;
    if (err == NULL && (inode == NULL || !extent_resize(&inode->content, size))) {
        err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    if (err == NULL && size > 0) err = file_read(real, 0, inode->content.data, size);
    file_close(real);
    if (err == NULL && !extent_copy(&inode->durable, &inode->content)) {
        err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    if (err != NULL) {
        if (inode != NULL) inode_release(inode);
        return err;
    }
    /* The loaded file is durable, name included, as if created, synced and dir-synced. */
    pthread_mutex_lock(&fault->mutex);
    Entry *entry = entry_get_or_add(fault, path);
    if (entry == NULL) {
        pthread_mutex_unlock(&fault->mutex);
        inode_release(inode);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    inode_release(entry->inode);
    inode_release(entry->durable_inode);
    entry->inode = inode;
    entry->durable_inode = inode;
    inode->ref_count++;
    pthread_mutex_unlock(&fault->mutex);
    return NULL;
}
