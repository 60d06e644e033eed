/* storage/tests/test_file_allocate.c: file_allocate (file.h) on the POSIX VFS (size, zeros,
 * existing bytes kept, no-ops), on the fault VFS (a write of zeros beyond the end: capacity,
 * fault rules, read-only handles, what a power cut leaves), and the zero-write fallback of a
 * FileOps without allocate (every byte goes through the wrapper's write); file_start_writeback
 * (a hint on POSIX, nothing on the fault VFS). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "storage/file.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s", #expr,                       \
                      err_ok_ != NULL ? err_ok_->message : "");                      \
    } while (0)

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text == NULL ? 1.0 : atof(text);
    return scale > 0 ? scale : 1.0;
}

static void assert_state(Error *err, SqlState state)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(err->state == state, "expected %s, got %s: %s", sqlstate_code(state),
                  sqlstate_code(err->state), err->message);
    err_free(err);
}

static uint64_t size_of(File *file)
{
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    return size;
}

/* Every byte of [from, to) reads as value. */
static void assert_bytes(File *file, uint64_t from, uint64_t to, uint8_t value)
{
    uint8_t buffer[4096];
    for (uint64_t at = from; at < to;) {
        size_t piece = to - at > sizeof buffer ? sizeof buffer : (size_t)(to - at);
        ck_assert_ok(file_read(file, at, buffer, piece));
        size_t idx = 0;
        while (idx < piece && buffer[idx] == value) idx++;
        ck_assert_msg(idx == piece, "byte %llu is %u, not %u", (unsigned long long)(at + idx),
                      idx < piece ? buffer[idx] : 0, value);
        at += piece;
    }
}

START_TEST(test_allocate_posix)
{
    char dir[] = "/tmp/birch_test_alloc_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/a", dir);
    File *file = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_CREATE, &file));
    uint8_t data[5000];
    memset(data, 0xAB, sizeof data);
    ck_assert_ok(file_write(file, 0, data, sizeof data));
    ck_assert_ok(file_allocate(file, 0, 0));                 /* nothing */
    ck_assert_uint_eq(size_of(file), sizeof data);
    ck_assert_ok(file_allocate(file, 100, 1000));            /* inside: kept as is */
    ck_assert_uint_eq(size_of(file), sizeof data);
    assert_bytes(file, 0, sizeof data, 0xAB);
    ck_assert_ok(file_allocate(file, 4096, 3u << 20));       /* overlaps the end */
    ck_assert_uint_eq(size_of(file), 4096 + (3u << 20));
    assert_bytes(file, 0, sizeof data, 0xAB);
    assert_bytes(file, sizeof data, 4096 + (3u << 20), 0);
    ck_assert_ok(file_write(file, 1u << 20, data, 10));      /* written space stays written */
    ck_assert_ok(file_sync(file));
    assert_bytes(file, 1u << 20, (1u << 20) + 10, 0xAB);
    file_close(file);
    /* A read-only handle cannot allocate. */
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_READONLY, &file));
    Error *err = file_allocate(file, 0, 8u << 20);
    ck_assert_ptr_nonnull(err);
    err_free(err);
    ck_assert_uint_eq(size_of(file), 4096 + (3u << 20));
    file_close(file);
    ck_assert_ok(file_remove(vfs_posix(), path));
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* file_start_writeback on POSIX is a hint: the bytes and the size stay as written, a range
 * past the end or of size 0 is harmless, and a sync after it still succeeds; a FileOps
 * without it (the fault VFS) ignores it. */
START_TEST(test_start_writeback_posix_and_fault)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/birch-writeback-%d", (int)getpid());
    (void)unlink(path);
    File *file = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_CREATE, &file));
    enum { SIZE = 256 * 1024 };
    uint8_t *bytes = malloc(SIZE);
    memset(bytes, 0x5A, SIZE);
    ck_assert_ok(file_write(file, 0, bytes, SIZE));
    file_start_writeback(file, 0, SIZE);
    file_start_writeback(file, SIZE, 0);
    file_start_writeback(file, 2 * SIZE, 4096);   /* past the end */
    ck_assert_ok(file_sync(file));
    ck_assert_uint_eq(size_of(file), SIZE);
    assert_bytes(file, 0, SIZE, 0x5A);
    file_close(file);
    ck_assert_int_eq(unlink(path), 0);

    Vfs *vfs = vfs_fault_create(7);
    ck_assert_ok(file_open(vfs, "f", FILE_OPEN_CREATE, &file));
    ck_assert_ok(file_write(file, 0, bytes, 4096));
    file_start_writeback(file, 0, 4096);
    ck_assert_ok(file_sync(file));
    assert_bytes(file, 0, 4096, 0x5A);
    file_close(file);
    vfs_fault_destroy(vfs);
    free(bytes);
}
END_TEST

START_TEST(test_allocate_fault_semantics)
{
    Vfs  *vfs = vfs_fault_create(11);
    File *file = NULL;
    ck_assert_ok(file_open(vfs, "a", FILE_OPEN_CREATE, &file));
    uint8_t data[3000];
    memset(data, 7, sizeof data);
    ck_assert_ok(file_write(file, 0, data, sizeof data));
    ck_assert_ok(file_allocate(file, 1000, 1000));           /* inside: a no-op */
    assert_bytes(file, 0, sizeof data, 7);
    ck_assert_ok(file_allocate(file, 2000, 10000));
    ck_assert_uint_eq(size_of(file), 12000);
    assert_bytes(file, 0, sizeof data, 7);
    assert_bytes(file, sizeof data, 12000, 0);
    /* Capacity: an allocation beyond it is DISK_FULL and changes nothing. */
    vfs_fault_set_capacity(vfs, 20000);
    assert_state(file_allocate(file, 0, 30000), SQLSTATE_DISK_FULL);
    ck_assert_uint_eq(size_of(file), 12000);
    ck_assert_ok(file_allocate(file, 0, 20000));
    ck_assert_uint_eq(size_of(file), 20000);
    vfs_fault_set_capacity(vfs, 0);
    /* The write fault rules fire on it. */
    vfs_fault_inject(vfs, "a", FAULT_WRITE_ENOSPC, 0, 1);
    assert_state(file_allocate(file, 0, 40000), SQLSTATE_DISK_FULL);
    vfs_fault_inject(vfs, "a", FAULT_WRITE_EIO, 0, 1);
    assert_state(file_allocate(file, 0, 40000), SQLSTATE_IO_ERROR);
    ck_assert_uint_eq(size_of(file), 20000);
    vfs_fault_clear(vfs);
    file_close(file);
    ck_assert_ok(file_open(vfs, "a", FILE_OPEN_READONLY, &file));
    assert_state(file_allocate(file, 0, 40000), SQLSTATE_IO_ERROR);
    file_close(file);
    vfs_fault_destroy(vfs);
}
END_TEST

/* A power cut keeps a synced allocation; an unsynced one comes back whole, dropped, or torn at
 * 4 KiB boundaries: the file ends somewhere in [synced end, allocated end] and every byte past
 * the synced data reads zero. */
START_TEST(test_allocate_fault_power_cut)
{
    int round_count = (int)(200 * test_scale());
    if (round_count < 20) round_count = 20;
    int shorter_count = 0;
    for (int round = 0; round < round_count; round++) {
        Vfs  *vfs = vfs_fault_create(1000 + (uint64_t)round);
        File *file = NULL;
        ck_assert_ok(file_open(vfs, "w", FILE_OPEN_CREATE, &file));
        ck_assert_ok(file_sync_dir(vfs, "w"));
        uint8_t data[4096];
        memset(data, 5, sizeof data);
        ck_assert_ok(file_write(file, 0, data, sizeof data));
        ck_assert_ok(file_allocate(file, 4096, 64 * 1024));
        ck_assert_ok(file_sync(file));
        ck_assert_ok(file_allocate(file, 0, 256 * 1024));     /* not synced */
        vfs_fault_power_cut(vfs);
        uint64_t size = size_of(file);
        ck_assert_uint_ge(size, 68 * 1024);
        ck_assert_uint_le(size, 256 * 1024);
        shorter_count += size < 256 * 1024 ? 1 : 0;
        assert_bytes(file, 0, sizeof data, 5);
        assert_bytes(file, sizeof data, size, 0);
        file_close(file);
        vfs_fault_destroy(vfs);
    }
    ck_assert_int_gt(shorter_count, 0);   /* the unsynced allocation really is at risk */
}
END_TEST

/* A wrapping layer without allocate: the fallback writes zeros through its write op. */
typedef struct CountFile {
    File   base;
    File  *inner;
    size_t write_count;
    size_t byte_count;
} CountFile;

static File *inner_of(File *file) { return ((CountFile *)file)->inner; }
static Error *count_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    return file_read(inner_of(file), offset, buffer, size);
}
static Error *count_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    ((CountFile *)file)->write_count++;
    ((CountFile *)file)->byte_count += size;
    return file_write(inner_of(file), offset, buffer, size);
}
static Error *count_sync(File *file) { return file_sync(inner_of(file)); }
static Error *count_size(File *file, uint64_t *size_out)
{
    return file_size(inner_of(file), size_out);
}
static Error *count_truncate(File *file, uint64_t size)
{
    return file_truncate(inner_of(file), size);
}
static Error *count_lock(File *file) { return file_lock(inner_of(file)); }
static void   count_close(File *file) { file_close(inner_of(file)); }
static const FileOps COUNT_FILE_OPS = {
    .read = count_read, .write = count_write, .sync = count_sync, .size = count_size,
    .truncate = count_truncate, .lock = count_lock, .close = count_close,
};

START_TEST(test_allocate_fallback_writes_through_wrapper)
{
    Vfs *vfs = vfs_fault_create(12);
    CountFile counted = {0};
    ck_assert_ok(file_open(vfs, "c", FILE_OPEN_CREATE, &counted.inner));
    counted.base = (File){.ops = &COUNT_FILE_OPS, .vfs = vfs, .path = counted.inner->path};
    File *file = &counted.base;
    uint8_t data[100];
    memset(data, 3, sizeof data);
    ck_assert_ok(file_write(file, 0, data, sizeof data));
    counted.write_count = 0;
    counted.byte_count = 0;
    ck_assert_ok(file_allocate(file, 50, 200 * 1024));
    ck_assert_uint_eq(counted.byte_count, 50 + 200 * 1024 - 100);   /* beyond the end only */
    ck_assert_uint_gt(counted.write_count, 1);                     /* in pieces */
    ck_assert_uint_eq(size_of(file), 50 + 200 * 1024);
    assert_bytes(file, 0, 100, 3);
    assert_bytes(file, 100, 50 + 200 * 1024, 0);
    counted.byte_count = 0;
    ck_assert_ok(file_allocate(file, 0, 1000));                    /* inside: nothing */
    ck_assert_uint_eq(counted.byte_count, 0);
    vfs_fault_inject(vfs, "c", FAULT_WRITE_ENOSPC, 0, 1);
    assert_state(file_allocate(file, 0, 400 * 1024), SQLSTATE_DISK_FULL);
    vfs_fault_clear(vfs);
    file_close(file);
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *allocate_suite(void)
{
    Suite *suite = suite_create("file_allocate");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 60);
    tcase_add_test(tcase, test_allocate_posix);
    tcase_add_test(tcase, test_start_writeback_posix_and_fault);
    tcase_add_test(tcase, test_allocate_fault_semantics);
    tcase_add_test(tcase, test_allocate_fault_power_cut);
    tcase_add_test(tcase, test_allocate_fallback_writes_through_wrapper);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(allocate_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
