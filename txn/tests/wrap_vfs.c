/* txn/tests/wrap_vfs.c: the pass-through VFS of txn's tests (wrap_vfs.h). */
#include "wrap_vfs.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static Error *wrap_open(Vfs *vfs, const char *path, int flags, File **file_out)
{
    WrapVfs  *wrap = (WrapVfs *)vfs;
    WrapFile *file = calloc(1, sizeof *file);
    ck_assert_ptr_nonnull(file);
    Error *err = file_open(wrap->inner, path, flags, &file->inner);
    if (err != NULL) {
        free(file);
        return err;
    }
    file->tagged = wrap->tagged_path != NULL && strcmp(path, wrap->tagged_path) == 0;
    file->base = (File){.ops = wrap->file_ops, .vfs = vfs, .path = file->inner->path};
    *file_out = &file->base;
    return NULL;
}

static Error *wrap_remove(Vfs *vfs, const char *path)
{
    return file_remove(((WrapVfs *)vfs)->inner, path);
}

static Error *wrap_exists(Vfs *vfs, const char *path, bool *exists_out)
{
    return file_exists(((WrapVfs *)vfs)->inner, path, exists_out);
}

static Error *wrap_sync_dir(Vfs *vfs, const char *path)
{
    return file_sync_dir(((WrapVfs *)vfs)->inner, path);
}

static const VfsOps WRAP_VFS_OPS = {
    .open = wrap_open, .remove = wrap_remove, .exists = wrap_exists, .sync_dir = wrap_sync_dir,
};

void wrap_vfs_init(WrapVfs *wrap, Vfs *inner, const FileOps *file_ops, const char *tagged_path)
{
    *wrap = (WrapVfs){.base = {.ops = &WRAP_VFS_OPS}, .inner = inner, .file_ops = file_ops,
                      .tagged_path = tagged_path};
}

File *wrap_inner(File *file) { return ((WrapFile *)file)->inner; }
bool  wrap_tagged(File *file) { return ((WrapFile *)file)->tagged; }

Error *wrap_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    return file_read(wrap_inner(file), offset, buffer, size);
}
Error *wrap_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    return file_write(wrap_inner(file), offset, buffer, size);
}
Error *wrap_sync(File *file) { return file_sync(wrap_inner(file)); }
Error *wrap_size(File *file, uint64_t *size_out) { return file_size(wrap_inner(file), size_out); }
Error *wrap_truncate(File *file, uint64_t size) { return file_truncate(wrap_inner(file), size); }
Error *wrap_allocate(File *file, uint64_t offset, uint64_t size)
{
    return file_allocate(wrap_inner(file), offset, size);
}
Error *wrap_lock(File *file) { return file_lock(wrap_inner(file)); }
void   wrap_close(File *file)
{
    file_close(wrap_inner(file));
    free(file);
}
