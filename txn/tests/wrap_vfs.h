/* txn/tests/wrap_vfs.h: a pass-through VFS for tests that watch or alter what the WAL and the
 * store do to their files (the WAL rule, which log bytes a sync covered). A test embeds WrapVfs
 * first in its own VFS struct, gives wrap_vfs_init the FileOps its files use (the wrap_*
 * pass-throughs for the operations it does not watch) and the one path it cares about; each
 * opened file is a WrapFile whose `tagged` says whether it is that path. Prefix wrap_. */
#ifndef BIRCH_TXN_TESTS_WRAP_VFS_H
#define BIRCH_TXN_TESTS_WRAP_VFS_H

#include <stdbool.h>

#include "storage/file.h"

typedef struct WrapVfs {
    Vfs            base;
    Vfs           *inner;
    const FileOps *file_ops;      /* the ops of every file this VFS opens */
    const char    *tagged_path;   /* files opened with exactly this path are tagged */
} WrapVfs;

typedef struct WrapFile {
    File  base;
    File *inner;
    bool  tagged;
} WrapFile;

/* wrap_vfs_init: wrap over inner (not owned); files get file_ops. */
void wrap_vfs_init(WrapVfs *wrap, Vfs *inner, const FileOps *file_ops, const char *tagged_path);
/* wrap_inner: the inner file of a WrapFile. */
File *wrap_inner(File *file);
/* wrap_tagged: file was opened with the tagged path. */
bool  wrap_tagged(File *file);

/* Pass-throughs to the inner file, for the FileOps a test does not override. */
Error *wrap_read(File *file, uint64_t offset, void *buffer, size_t size);
Error *wrap_write(File *file, uint64_t offset, const void *buffer, size_t size);
Error *wrap_sync(File *file);
Error *wrap_size(File *file, uint64_t *size_out);
Error *wrap_truncate(File *file, uint64_t size);
Error *wrap_allocate(File *file, uint64_t offset, uint64_t size);
Error *wrap_lock(File *file);
void   wrap_close(File *file);

#endif
