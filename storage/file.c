/* storage/file.c: the POSIX implementation of the file_ interface (vfs_posix).
 *
 * pread/pwrite loops that survive EINTR and short counts, fdatasync for sync, 64-bit offsets
 * everywhere (_FILE_OFFSET_BITS=64), errno mapped to SQLSTATEs with messages that name the file.
 *
 * Locking: exclusivity comes from an OFD lock (F_OFD_SETLK) on one byte far past any page, so
 * closing some other descriptor of the file never drops it and a second open description in
 * this very process conflicts too. OFD locks do not report their holder's pid, so the holder
 * also takes a classic POSIX lock on the next byte purely as a name tag: a refused opener asks
 * F_GETLK on that byte and can say "locked by process 1234". Classic locks are dropped when the
 * process closes ANY descriptor of the file, so closing a descriptor re-takes the tag for every
 * holder of the same file (dev, inode) in this process. A read-only opener takes shared locks
 * (so several read-only openers coexist), a writer exclusive ones.
 *
 * A second open of a locked file in the same process is refused with OBJECT_IN_USE ("already
 * open in this process"): DESIGN.md wants one engine instance per file per process, found by
 * (dev, inode), above this layer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/asserts.h"
#include "storage/file.h"

/* The lock bytes: far beyond any page (2^32 pages of 8 KiB end at 2^45). */
#define LOCK_OFFSET_OFD ((off_t)1 << 50)
#define LOCK_OFFSET_TAG (LOCK_OFFSET_OFD + 1)

typedef struct PosixFile {
    File              base;
    int               fd;
    bool              read_only;
    bool              locked;
    dev_t             dev;
    ino_t             ino;
    pid_t             owner_pid;   /* a forked child inherits lock_holders but not the locks */
    struct PosixFile *lock_next;   /* in lock_holders while locked */
} PosixFile;

static pthread_mutex_t lock_mutex = PTHREAD_MUTEX_INITIALIZER;
static PosixFile      *lock_holders;   /* every locked PosixFile of this process */

static SqlState state_from_errno(int errno_value)
{
    switch (errno_value) {
    case ENOSPC:
    case EDQUOT: return SQLSTATE_DISK_FULL;
    case ENOENT: return SQLSTATE_UNDEFINED_FILE;
    case EEXIST: return SQLSTATE_DUPLICATE_FILE;
    default: return SQLSTATE_IO_ERROR;
    }
}

static Error *errno_error(int errno_value, const char *what, const char *path)
{
    return err_new(state_from_errno(errno_value), "could not %s file \"%s\": %s", what, path,
                   strerror(errno_value));
}

static Error *posix_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    PosixFile *posix = (PosixFile *)file;
    uint8_t   *cursor = buffer;
    size_t     done_size = 0;
    while (done_size < size) {
        ssize_t got = pread(posix->fd, cursor + done_size, size - done_size,
                            (off_t)(offset + done_size));
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno_error(errno, "read", file->path);
        }
        if (got == 0) {
            return err_new(SQLSTATE_IO_ERROR,
                           "could not read file \"%s\": read only %zu of %zu bytes at offset %llu",
                           file->path, done_size, size, (unsigned long long)offset);
        }
        done_size += (size_t)got;
    }
    return NULL;
}

static Error *posix_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    PosixFile     *posix = (PosixFile *)file;
    const uint8_t *cursor = buffer;
    size_t         done_size = 0;
    while (done_size < size) {
        ssize_t put = pwrite(posix->fd, cursor + done_size, size - done_size,
                             (off_t)(offset + done_size));
        if (put < 0) {
            if (errno == EINTR) continue;
            return errno_error(errno, "write to", file->path);
        }
        if (put == 0) {   /* no progress and no errno: the device refuses more bytes */
            return err_new(SQLSTATE_DISK_FULL, "could not write to file \"%s\": wrote only %zu of "
                           "%zu bytes at offset %llu", file->path, done_size, size,
                           (unsigned long long)offset);
        }
        done_size += (size_t)put;
    }
    return NULL;
}

static Error *posix_sync(File *file)
{
    PosixFile *posix = (PosixFile *)file;
    int        rc;
    do {
        rc = fdatasync(posix->fd);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return errno_error(errno, "fsync", file->path);
    return NULL;
}

static Error *posix_size(File *file, uint64_t *size_out)
{
    PosixFile  *posix = (PosixFile *)file;
    struct stat st;
    if (fstat(posix->fd, &st) != 0) return errno_error(errno, "stat", file->path);
    *size_out = (uint64_t)st.st_size;
    return NULL;
}

static Error *posix_truncate(File *file, uint64_t size)
{
    PosixFile *posix = (PosixFile *)file;
    int        rc;
    do {
        rc = ftruncate(posix->fd, (off_t)size);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return errno_error(errno, "truncate", file->path);
    return NULL;
}

static Error *posix_allocate(File *file, uint64_t offset, uint64_t size)
{
    PosixFile *posix = (PosixFile *)file;
    if (size == 0) return NULL;
    int rc;
    do {
        /* Returns the error (errno untouched); glibc falls back to writing zeros itself where
         * the file system has no fallocate. */
        rc = posix_fallocate(posix->fd, (off_t)offset, (off_t)size);
    } while (rc == EINTR);
    if (rc != 0) return errno_error(rc, "allocate space in", file->path);
    return NULL;
}

static void posix_start_writeback(File *file, uint64_t offset, uint64_t size)
{
#ifdef SYNC_FILE_RANGE_WRITE
    PosixFile *posix = (PosixFile *)file;
    if (size > 0) (void)sync_file_range(posix->fd, (off_t)offset, (off_t)size,
                                        SYNC_FILE_RANGE_WRITE);   /* a hint: errors reach sync */
#else
    (void)file;
    (void)offset;
    (void)size;
#endif
}

enum { ZERO_PIECE_SIZE = 64 * 1024 };
static const uint8_t ZERO_PIECE[ZERO_PIECE_SIZE];

Error *file_allocate(File *file, uint64_t offset, uint64_t size)
{
    if (file->ops->allocate != NULL) return file->ops->allocate(file, offset, size);
    uint64_t current = 0;
    TRY(file_size(file, &current));
    uint64_t end = offset + size;
    for (uint64_t at = offset > current ? offset : current; at < end;) {
        size_t piece = end - at > ZERO_PIECE_SIZE ? ZERO_PIECE_SIZE : (size_t)(end - at);
        TRY(file_write(file, at, ZERO_PIECE, piece));
        at += piece;
    }
    return NULL;
}

static int lock_range(int fd, int command, short type, off_t start)
{
    struct flock lock = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = 1};
    return fcntl(fd, command, &lock);
}

/* holder_pid: the pid tagging the lock of fd's file, 0 if no other process tags it. */
static pid_t holder_pid(int fd, short type)
{
    struct flock probe = {.l_type = type, .l_whence = SEEK_SET, .l_start = LOCK_OFFSET_TAG,
                          .l_len = 1};
    if (fcntl(fd, F_GETLK, &probe) != 0) return 0;
    if (probe.l_type == F_UNLCK) return 0;
    return probe.l_pid;
}

static Error *posix_lock(File *file)
{
    PosixFile *posix = (PosixFile *)file;
    short      type = posix->read_only ? F_RDLCK : F_WRLCK;
    pthread_mutex_lock(&lock_mutex);
    if (posix->locked) {
        pthread_mutex_unlock(&lock_mutex);
        return NULL;
    }
    for (PosixFile *holder = lock_holders; holder != NULL; holder = holder->lock_next) {
        if (holder->owner_pid == getpid() && holder->dev == posix->dev &&
            holder->ino == posix->ino && (!posix->read_only || !holder->read_only)) {
            pthread_mutex_unlock(&lock_mutex);
            return err_new(SQLSTATE_OBJECT_IN_USE,
                           "database file \"%s\" is already open in this process", file->path);
        }
    }
    if (lock_range(posix->fd, F_OFD_SETLK, type, LOCK_OFFSET_OFD) != 0) {
        int errno_value = errno;
        pthread_mutex_unlock(&lock_mutex);
        if (errno_value != EAGAIN && errno_value != EACCES) {
            return errno_error(errno_value, "lock", file->path);
        }
        pid_t pid = holder_pid(posix->fd, type);
        if (pid > 0) {
            return err_new(SQLSTATE_OBJECT_IN_USE, "database file \"%s\" is locked by process %d",
                           file->path, (int)pid);
        }
        return err_new(SQLSTATE_OBJECT_IN_USE,
                       "database file \"%s\" is locked by another process", file->path);
    }
    /* The tag only names us; failing to take it costs a less precise message elsewhere. */
    (void)lock_range(posix->fd, F_SETLK, type, LOCK_OFFSET_TAG);
    posix->locked = true;
    posix->owner_pid = getpid();
    posix->lock_next = lock_holders;
    lock_holders = posix;
    pthread_mutex_unlock(&lock_mutex);
    return NULL;
}

static void posix_close(File *file)
{
    PosixFile *posix = (PosixFile *)file;
    pthread_mutex_lock(&lock_mutex);
    if (posix->locked) {
        PosixFile **link = &lock_holders;
        while (*link != posix) link = &(*link)->lock_next;
        *link = posix->lock_next;
    }
    close(posix->fd);   /* drops our OFD lock and every classic lock of this process on it */
    for (PosixFile *holder = lock_holders; holder != NULL; holder = holder->lock_next) {
        if (holder->owner_pid == getpid() && holder->dev == posix->dev &&
            holder->ino == posix->ino) {
            (void)lock_range(holder->fd, F_SETLK, holder->read_only ? F_RDLCK : F_WRLCK,
                             LOCK_OFFSET_TAG);
        }
    }
    pthread_mutex_unlock(&lock_mutex);
    free(file->path);
    free(posix);
}

static const FileOps POSIX_FILE_OPS = {
    .read = posix_read,
    .write = posix_write,
    .sync = posix_sync,
    .size = posix_size,
    .truncate = posix_truncate,
    .allocate = posix_allocate,
    .start_writeback = posix_start_writeback,
    .lock = posix_lock,
    .close = posix_close,
};

static Error *posix_open(Vfs *vfs, const char *path, int flags, File **file_out)
{
    int open_flags = O_CLOEXEC;
    open_flags |= (flags & FILE_OPEN_READONLY) ? O_RDONLY : O_RDWR;
    if (flags & FILE_OPEN_CREATE) open_flags |= O_CREAT;
    if ((flags & FILE_OPEN_CREATE) && (flags & FILE_OPEN_EXCLUSIVE)) open_flags |= O_EXCL;
    PosixFile *posix = calloc(1, sizeof *posix);
    char      *path_copy = strdup(path);
    if (posix == NULL || path_copy == NULL) {
        free(posix);
        free(path_copy);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    int fd;
    do {
        fd = open(path, open_flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int errno_value = errno;
        free(posix);
        free(path_copy);
        return errno_error(errno_value, "open", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int errno_value = errno;
        close(fd);
        free(posix);
        free(path_copy);
        return errno_error(errno_value, "stat", path);
    }
    posix->base = (File){.ops = &POSIX_FILE_OPS, .vfs = vfs, .path = path_copy};
    posix->fd = fd;
    posix->read_only = (flags & FILE_OPEN_READONLY) != 0;
    posix->dev = st.st_dev;
    posix->ino = st.st_ino;
    *file_out = &posix->base;
    return NULL;
}

static Error *posix_remove(Vfs *vfs, const char *path)
{
    if (unlink(path) != 0) return errno_error(errno, "remove", path);
    return NULL;
}

static Error *posix_exists(Vfs *vfs, const char *path, bool *exists_out)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        *exists_out = true;
        return NULL;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
        *exists_out = false;
        return NULL;
    }
    return errno_error(errno, "stat", path);
}

static Error *posix_sync_dir(Vfs *vfs, const char *path)
{
    char        dir_path[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir_path, ".");
    } else if (slash == path) {
        strcpy(dir_path, "/");
    } else {
        size_t dir_size = (size_t)(slash - path);
        if (dir_size >= sizeof dir_path) {
            return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "path \"%s\" is too long", path);
        }
        memcpy(dir_path, path, dir_size);
        dir_path[dir_size] = '\0';
    }
    int fd;
    do {
        fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int errno_value = errno;
        return err_new(state_from_errno(errno_value), "could not open directory \"%s\": %s",
                       dir_path, strerror(errno_value));
    }
    int rc;
    do {
        rc = fsync(fd);
    } while (rc != 0 && errno == EINTR);
    int errno_value = errno;
    close(fd);
    if (rc != 0) {
        return err_new(state_from_errno(errno_value), "could not fsync directory \"%s\": %s",
                       dir_path, strerror(errno_value));
    }
    return NULL;
}

static const VfsOps POSIX_VFS_OPS = {
    .open = posix_open,
    .remove = posix_remove,
    .exists = posix_exists,
    .sync_dir = posix_sync_dir,
};

static Vfs posix_vfs = {.ops = &POSIX_VFS_OPS};

Vfs *vfs_posix(void) { return &posix_vfs; }
