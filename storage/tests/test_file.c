/* storage/tests/test_file.c: the POSIX VFS (I/O, errors, >4 GiB offsets, the lock across
 * processes) and the fault VFS (each fault kind, capacity, power cuts over many seeds, corrupt,
 * save/load). */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "storage/file.h"

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text == NULL ? 1.0 : atof(text);
    return scale > 0 ? scale : 1.0;
}

static char temp_dir[256];

static void temp_dir_make(void)
{
    snprintf(temp_dir, sizeof temp_dir, "/tmp/birch_test_file_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

static void temp_dir_remove(void)
{
    char command[300];
    snprintf(command, sizeof command, "rm -rf %s", temp_dir);
    ck_assert_int_eq(system(command), 0);
}

static void temp_path(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", temp_dir, name);
}

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s", #expr,                       \
                      err_ok_ != NULL ? err_ok_->message : "");                      \
    } while (0)

/* assert_error: expr fails with state; the message contains needle (if not NULL). */
static void assert_error(Error *err, SqlState state, const char *needle)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(err->state == state, "expected %s, got %s: %s", sqlstate_code(state),
                  sqlstate_code(err->state), err->message);
    if (needle != NULL) {
        ck_assert_msg(strstr(err->message, needle) != NULL, "\"%s\" not in \"%s\"", needle,
                      err->message);
    }
    err_free(err);
}

/* ---- POSIX ---- */

START_TEST(test_file_posix_read_write_sync_size_truncate)
{
    temp_dir_make();
    char path[300];
    temp_path(path, sizeof path, "a.birch");
    Vfs  *vfs = vfs_posix();
    File *file = NULL;
    assert_error(file_open(vfs, path, 0, &file), SQLSTATE_UNDEFINED_FILE, "a.birch");
    ck_assert_ok(file_open(vfs, path, FILE_OPEN_CREATE | FILE_OPEN_EXCLUSIVE, &file));
    ck_assert_str_eq(file->path, path);
    uint8_t page[8192], back[8192];
    for (size_t byte_idx = 0; byte_idx < sizeof page; byte_idx++) page[byte_idx] = (uint8_t)byte_idx;
    ck_assert_ok(file_write(file, 8192, page, sizeof page));
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, 16384);
    ck_assert_ok(file_sync(file));
    ck_assert_ok(file_read(file, 8192, back, sizeof back));
    ck_assert_mem_eq(back, page, sizeof page);
    ck_assert_ok(file_read(file, 0, back, 100));   /* the hole reads as zeros */
    ck_assert_uint_eq(back[0], 0);
    assert_error(file_read(file, 16000, back, 1000), SQLSTATE_IO_ERROR, "read only 384 of 1000");
    ck_assert_ok(file_truncate(file, 100));
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, 100);
    assert_error(file_read(file, 0, back, 101), SQLSTATE_IO_ERROR, "a.birch");
    ck_assert_ok(file_sync_dir(vfs, path));

    File *again = NULL;
    assert_error(file_open(vfs, path, FILE_OPEN_CREATE | FILE_OPEN_EXCLUSIVE, &again),
                 SQLSTATE_DUPLICATE_FILE, "a.birch");
    ck_assert_ok(file_open(vfs, path, FILE_OPEN_READONLY, &again));
    assert_error(file_write(again, 0, page, 10), SQLSTATE_IO_ERROR, "could not write to file");
    file_close(again);
    file_close(file);

    bool exists = false;
    ck_assert_ok(file_exists(vfs, path, &exists));
    ck_assert(exists);
    ck_assert_ok(file_remove(vfs, path));
    ck_assert_ok(file_exists(vfs, path, &exists));
    ck_assert(!exists);
    assert_error(file_remove(vfs, path), SQLSTATE_UNDEFINED_FILE, "could not remove");
    char missing_dir[300];
    temp_path(missing_dir, sizeof missing_dir, "nodir/x.birch");
    assert_error(file_sync_dir(vfs, missing_dir), SQLSTATE_UNDEFINED_FILE, "nodir");
    temp_dir_remove();
}
END_TEST

START_TEST(test_file_posix_offsets_past_4_gib)
{
    temp_dir_make();
    char path[300];
    temp_path(path, sizeof path, "big.birch");
    File *file = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_CREATE, &file));
    uint64_t offset = 5ull << 30;
    uint8_t  page[8192], back[8192];
    for (size_t byte_idx = 0; byte_idx < sizeof page; byte_idx++) page[byte_idx] = (uint8_t)(byte_idx * 7);
    ck_assert_ok(file_write(file, offset, page, sizeof page));
    ck_assert_ok(file_read(file, offset, back, sizeof back));
    ck_assert_mem_eq(back, page, sizeof page);
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, offset + sizeof page);
    /* the same offset modulo 2^32 must not alias */
    ck_assert_ok(file_read(file, offset & 0xffffffffull, back, sizeof back));
    ck_assert_uint_eq(back[1], 0);
    file_close(file);
    temp_dir_remove();
}
END_TEST

/* run_child: fork; the child runs body(path) and exits with its result; returns that code. */
static int run_child(int (*body)(const char *path), const char *path)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(body(path));
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Child exit codes: 0 = as expected; others say what went wrong. */
static int child_expects_locked_by_parent(const char *path)
{
    File *file = NULL;
    if (file_open(vfs_posix(), path, 0, &file) != NULL) return 2;
    Error *err = file_lock(file);
    if (err == NULL) return 3;
    if (err->state != SQLSTATE_OBJECT_IN_USE) return 4;
    char expected[200];
    snprintf(expected, sizeof expected, "is locked by process %d", (int)getppid());
    if (strstr(err->message, expected) == NULL || strstr(err->message, "x.birch") == NULL) {
        return 5;
    }
    return 0;
}

static int child_expects_lock_free(const char *path)
{
    File *file = NULL;
    if (file_open(vfs_posix(), path, 0, &file) != NULL) return 2;
    if (file_lock(file) != NULL) return 3;
    file_close(file);
    return 0;
}

static int child_read_only_lock(const char *path)
{
    File *file = NULL;
    if (file_open(vfs_posix(), path, FILE_OPEN_READONLY, &file) != NULL) return 2;
    if (file_lock(file) != NULL) return 3;
    file_close(file);
    return 0;
}

START_TEST(test_file_posix_lock_names_holder)
{
    temp_dir_make();
    char path[300];
    temp_path(path, sizeof path, "x.birch");
    File *file = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_CREATE, &file));
    ck_assert_ok(file_lock(file));
    ck_assert_ok(file_lock(file));   /* idempotent on the same handle */
    ck_assert_int_eq(run_child(child_expects_locked_by_parent, path), 0);

    /* A second handle in this process is refused; closing it must not lose the pid tag. */
    File *second = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, 0, &second));
    assert_error(file_lock(second), SQLSTATE_OBJECT_IN_USE, "already open in this process");
    file_close(second);
    ck_assert_int_eq(run_child(child_expects_locked_by_parent, path), 0);
    ck_assert_int_eq(run_child(child_read_only_lock, path), 3);

    file_close(file);
    ck_assert_int_eq(run_child(child_expects_lock_free, path), 0);

    /* Read-only holders share the file with other read-only openers, not with writers. */
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_READONLY, &file));
    ck_assert_ok(file_lock(file));
    ck_assert_int_eq(run_child(child_read_only_lock, path), 0);
    ck_assert_int_eq(run_child(child_expects_locked_by_parent, path), 0);
    file_close(file);
    temp_dir_remove();
}
END_TEST

/* ---- the fault VFS ---- */

static File *fault_open_new(Vfs *vfs, const char *path)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, path, FILE_OPEN_CREATE, &file));
    return file;
}

START_TEST(test_file_fault_basic_semantics)
{
    Vfs  *vfs = vfs_fault_create(1);
    File *file = NULL;
    assert_error(file_open(vfs, "d/a", 0, &file), SQLSTATE_UNDEFINED_FILE, "d/a");
    file = fault_open_new(vfs, "d/a");
    File *again = NULL;
    assert_error(file_open(vfs, "d/a", FILE_OPEN_CREATE | FILE_OPEN_EXCLUSIVE, &again),
                 SQLSTATE_DUPLICATE_FILE, "d/a");
    uint8_t bytes[100], back[100];
    memset(bytes, 0x5a, sizeof bytes);
    ck_assert_ok(file_write(file, 1000, bytes, sizeof bytes));
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, 1100);
    ck_assert_ok(file_read(file, 1000, back, sizeof back));
    ck_assert_mem_eq(back, bytes, sizeof back);
    ck_assert_ok(file_read(file, 0, back, 10));
    ck_assert_uint_eq(back[0], 0);
    assert_error(file_read(file, 1050, back, 100), SQLSTATE_IO_ERROR, "read only 50 of 100");
    ck_assert_ok(file_truncate(file, 10));
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, 10);
    ck_assert_ok(file_open(vfs, "d/a", FILE_OPEN_READONLY, &again));
    assert_error(file_write(again, 0, bytes, 1), SQLSTATE_IO_ERROR, "d/a");
    /* locks: a second writer is refused with the pid; read-only lockers share */
    ck_assert_ok(file_lock(file));
    assert_error(file_lock(again), SQLSTATE_OBJECT_IN_USE, "is locked by process");
    file_close(file);
    ck_assert_ok(file_lock(again));
    File *third = NULL;
    ck_assert_ok(file_open(vfs, "d/a", FILE_OPEN_READONLY, &third));
    ck_assert_ok(file_lock(third));
    file_close(third);
    file_close(again);
    bool exists = false;
    ck_assert_ok(file_exists(vfs, "d/a", &exists));
    ck_assert(exists);
    ck_assert_ok(file_remove(vfs, "d/a"));
    ck_assert_ok(file_exists(vfs, "d/a", &exists));
    ck_assert(!exists);
    assert_error(file_remove(vfs, "d/a"), SQLSTATE_UNDEFINED_FILE, "d/a");
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_file_fault_kinds_skip_and_count)
{
    Vfs    *vfs = vfs_fault_create(2);
    File   *file = fault_open_new(vfs, "a");
    File   *other = fault_open_new(vfs, "b");
    uint8_t byte = 1;
    /* writes 3 and 4 of "a" fail with EIO; "b" is not affected */
    vfs_fault_inject(vfs, "a", FAULT_WRITE_EIO, 2, 2);
    ck_assert_ok(file_write(file, 0, &byte, 1));
    ck_assert_ok(file_write(file, 1, &byte, 1));
    ck_assert_ok(file_write(other, 0, &byte, 1));
    byte = 9;
    assert_error(file_write(file, 2, &byte, 1), SQLSTATE_IO_ERROR, "could not write to file \"a\"");
    assert_error(file_write(file, 2, &byte, 1), SQLSTATE_IO_ERROR, "Input/output error");
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, 2);   /* nothing written by the failed calls */
    ck_assert_ok(file_write(file, 2, &byte, 1));
    vfs_fault_clear(vfs);

    /* ENOSPC on every write from the second on, any file */
    vfs_fault_inject(vfs, NULL, FAULT_WRITE_ENOSPC, 1, 0);
    ck_assert_ok(file_write(other, 1, &byte, 1));
    for (int call_idx = 0; call_idx < 5; call_idx++) {
        assert_error(file_write(call_idx % 2 ? file : other, 0, &byte, 1), SQLSTATE_DISK_FULL,
                     "No space left on device");
    }
    vfs_fault_clear(vfs);
    ck_assert_ok(file_write(other, 0, &byte, 1));

    /* read EIO once, on the first read */
    vfs_fault_inject(vfs, "a", FAULT_READ_EIO, 0, 1);
    uint8_t back = 0;
    assert_error(file_read(file, 0, &back, 1), SQLSTATE_IO_ERROR, "could not read file \"a\"");
    ck_assert_ok(file_read(file, 2, &back, 1));
    ck_assert_uint_eq(back, 9);

    /* sync EIO on the second sync */
    vfs_fault_inject(vfs, "a", FAULT_SYNC_EIO, 1, 1);
    ck_assert_ok(file_sync(file));
    assert_error(file_sync(file), SQLSTATE_IO_ERROR, "could not fsync file \"a\"");
    ck_assert_ok(file_sync(file));
    ck_assert_ok(file_sync(other));
    file_close(file);
    file_close(other);
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_file_fault_capacity_is_disk_full)
{
    Vfs  *vfs = vfs_fault_create(3);
    File *file = fault_open_new(vfs, "a");
    File *other = fault_open_new(vfs, "b");
    vfs_fault_set_capacity(vfs, 20000);
    uint8_t page[8192] = {1};
    ck_assert_ok(file_write(file, 0, page, sizeof page));
    ck_assert_ok(file_write(other, 0, page, sizeof page));
    assert_error(file_write(file, 8192, page, sizeof page), SQLSTATE_DISK_FULL, "\"a\"");
    ck_assert_ok(file_write(file, 100, page, 8000));   /* overwrites need no space */
    ck_assert_ok(file_truncate(other, 0));               /* freeing space helps */
    ck_assert_ok(file_write(file, 8192, page, sizeof page));
    vfs_fault_set_capacity(vfs, 0);
    ck_assert_ok(file_write(file, 1 << 20, page, sizeof page));
    file_close(file);
    file_close(other);
    vfs_fault_destroy(vfs);
}
END_TEST

enum { CUT_FILE_SIZE = 64 * 1024, CUT_WRITE_COUNT = 6 };

typedef struct CutStats {
    int whole_count, dropped_count, torn_count;
} CutStats;

static uint64_t test_rng(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 17;
}

/* One power-cut scenario: a synced base, non-overlapping unsynced writes, a cut; every 4 KiB
 * piece of every write is all new or all old, the base elsewhere intact. */
static void power_cut_once(uint64_t seed, CutStats *stats)
{
    Vfs      *vfs = vfs_fault_create(seed);
    File     *file = fault_open_new(vfs, "dir/db");
    uint8_t  *base = malloc(CUT_FILE_SIZE);
    uint8_t  *back = malloc(CUT_FILE_SIZE);
    uint64_t  rng = seed * 7 + 1;
    for (size_t byte_idx = 0; byte_idx < CUT_FILE_SIZE; byte_idx++) base[byte_idx] = (uint8_t)test_rng(&rng);
    ck_assert_ok(file_write(file, 0, base, CUT_FILE_SIZE));
    ck_assert_ok(file_sync(file));
    ck_assert_ok(file_sync_dir(vfs, "dir/db"));
    /* Non-overlapping writes: write w lives in the w-th 10 KiB slot, at a random offset and
     * size inside it, so some start unaligned and some span two 4 KiB pieces or more. */
    uint64_t offsets[CUT_WRITE_COUNT], sizes[CUT_WRITE_COUNT];
    uint8_t  patterns[CUT_WRITE_COUNT];
    for (int write_idx = 0; write_idx < CUT_WRITE_COUNT; write_idx++) {
        uint64_t slot = (uint64_t)write_idx * 10240;
        offsets[write_idx] = slot + test_rng(&rng) % 2048;
        sizes[write_idx] = 1 + test_rng(&rng) % 8000;
        patterns[write_idx] = (uint8_t)(0x80 | write_idx);
        uint8_t *bytes = malloc(sizes[write_idx]);
        memset(bytes, patterns[write_idx], sizes[write_idx]);
        ck_assert_ok(file_write(file, offsets[write_idx], bytes, sizes[write_idx]));
        free(bytes);
    }
    vfs_fault_power_cut(vfs);
    file_close(file);
    ck_assert_ok(file_open(vfs, "dir/db", 0, &file));
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    ck_assert_uint_eq(size, CUT_FILE_SIZE);
    ck_assert_ok(file_read(file, 0, back, CUT_FILE_SIZE));
    uint8_t *expected_any = calloc(CUT_FILE_SIZE, 1);   /* 1 where a write may show */
    for (int write_idx = 0; write_idx < CUT_WRITE_COUNT; write_idx++) {
        uint64_t start = offsets[write_idx], end = start + sizes[write_idx];
        int      new_count = 0, old_count = 0;
        for (uint64_t piece = start; piece < end; piece = (piece / 4096 + 1) * 4096) {
            uint64_t piece_end = (piece / 4096 + 1) * 4096;
            if (piece_end > end) piece_end = end;
            bool all_new = true, all_old = true;
            for (uint64_t pos = piece; pos < piece_end; pos++) {
                if (back[pos] != patterns[write_idx]) all_new = false;
                if (back[pos] != base[pos]) all_old = false;
                expected_any[pos] = 1;
            }
            if (!all_new && !all_old) {
                ck_abort_msg("seed %llu: write %d piece at %llu is mixed",
                             (unsigned long long)seed, write_idx, (unsigned long long)piece);
            }
            if (all_new) new_count++;
            else old_count++;
        }
        if (old_count == 0) stats->whole_count++;
        else if (new_count == 0) stats->dropped_count++;
        else stats->torn_count++;
    }
    /* no ck_assert per byte: check records every passing assertion, which is slow */
    size_t changed_count = 0;
    for (size_t pos = 0; pos < CUT_FILE_SIZE; pos++) {
        if (!expected_any[pos] && back[pos] != base[pos]) changed_count++;
    }
    ck_assert_uint_eq(changed_count, 0);
    file_close(file);
    free(expected_any);
    free(base);
    free(back);
    vfs_fault_destroy(vfs);
}

START_TEST(test_file_fault_power_cut_tears_only_at_4k)
{
    CutStats stats = {0};
    int      seed_count = (int)(400 * test_scale());
    if (seed_count < 40) seed_count = 40;
    for (int seed = 0; seed < seed_count; seed++) power_cut_once((uint64_t)seed, &stats);
    /* every outcome shows up */
    ck_assert_int_gt(stats.whole_count, 0);
    ck_assert_int_gt(stats.dropped_count, 0);
    ck_assert_int_gt(stats.torn_count, 0);
}
END_TEST

START_TEST(test_file_fault_synced_data_survives)
{
    for (uint64_t seed = 0; seed < 50; seed++) {
        Vfs    *vfs = vfs_fault_create(seed);
        File   *file = fault_open_new(vfs, "db");
        uint8_t page[8192];
        for (int round = 0; round < 4; round++) {
            memset(page, round + 1, sizeof page);
            ck_assert_ok(file_write(file, (uint64_t)round * 8192, page, sizeof page));
            memset(page, 0x40 + round, 100);
            ck_assert_ok(file_write(file, 0, page, 100));   /* overwrite, in order */
        }
        ck_assert_ok(file_sync(file));
        ck_assert_ok(file_sync_dir(vfs, "db"));
        ck_assert_ok(file_truncate(file, 8192));   /* unsynced: may or may not survive */
        ck_assert_int_le(vfs_fault_power_cut(vfs), 1);
        file_close(file);
        ck_assert_ok(file_open(vfs, "db", 0, &file));
        uint64_t size = 0;
        ck_assert_ok(file_size(file, &size));
        ck_assert(size == 8192 || size == 4 * 8192);
        ck_assert_ok(file_read(file, 0, page, 8192));
        ck_assert_uint_eq(page[0], 0x43);
        ck_assert_uint_eq(page[100], 1);   /* round 0 wrote page 0 full of 1s */
        file_close(file);
        vfs_fault_destroy(vfs);
    }
}
END_TEST

START_TEST(test_file_fault_unsynced_names_may_vanish)
{
    int vanished_count = 0, kept_count = 0, revived_count = 0;
    for (uint64_t seed = 0; seed < 64; seed++) {
        Vfs    *vfs = vfs_fault_create(seed);
        File   *durable = fault_open_new(vfs, "d/durable");
        uint8_t byte = 7;
        ck_assert_ok(file_write(durable, 0, &byte, 1));
        ck_assert_ok(file_sync(durable));
        ck_assert_ok(file_sync_dir(vfs, "d/durable"));
        File *fresh = fault_open_new(vfs, "d/fresh");   /* synced data, unsynced name */
        ck_assert_ok(file_write(fresh, 0, &byte, 1));
        ck_assert_ok(file_sync(fresh));
        File *other_dir = fault_open_new(vfs, "e/x");   /* another directory's sync doesn't help */
        ck_assert_ok(file_remove(vfs, "d/durable"));    /* unsynced removal */
        File *elsewhere = fault_open_new(vfs, "e/y");
        ck_assert_ok(file_sync_dir(vfs, "e/y"));        /* covers e/x and e/y only */
        vfs_fault_power_cut(vfs);
        bool exists = false;
        ck_assert_ok(file_exists(vfs, "d/fresh", &exists));
        if (exists) {
            kept_count++;
            File *reopened = NULL;
            ck_assert_ok(file_open(vfs, "d/fresh", 0, &reopened));
            uint8_t back = 0;
            ck_assert_ok(file_read(reopened, 0, &back, 1));
            ck_assert_uint_eq(back, 7);
            file_close(reopened);
        } else {
            vanished_count++;
        }
        ck_assert_ok(file_exists(vfs, "d/durable", &exists));
        if (exists) revived_count++;
        ck_assert_ok(file_exists(vfs, "e/x", &exists));
        ck_assert(exists);
        ck_assert_ok(file_exists(vfs, "e/y", &exists));
        ck_assert(exists);
        file_close(durable);
        file_close(fresh);
        file_close(other_dir);
        file_close(elsewhere);
        vfs_fault_destroy(vfs);
    }
    ck_assert_int_gt(vanished_count, 0);
    ck_assert_int_gt(kept_count, 0);
    ck_assert_int_gt(revived_count, 0);
    ck_assert_int_lt(revived_count, 64);
}
END_TEST

START_TEST(test_file_fault_failed_sync_loses_writes_for_good)
{
    /* After a failed sync, a later successful sync does not make the lost writes durable. */
    int lost_count = 0;
    for (uint64_t seed = 0; seed < 32; seed++) {
        Vfs    *vfs = vfs_fault_create(seed);
        File   *file = fault_open_new(vfs, "db");
        uint8_t page[4096];
        memset(page, 1, sizeof page);
        ck_assert_ok(file_write(file, 0, page, sizeof page));
        ck_assert_ok(file_sync(file));
        ck_assert_ok(file_sync_dir(vfs, "db"));
        memset(page, 2, sizeof page);
        ck_assert_ok(file_write(file, 0, page, sizeof page));
        vfs_fault_inject(vfs, NULL, FAULT_SYNC_EIO, 0, 1);
        assert_error(file_sync(file), SQLSTATE_IO_ERROR, "fsync");
        ck_assert_ok(file_read(file, 0, page, 1));
        ck_assert_uint_eq(page[0], 2);   /* still in the "page cache" */
        ck_assert_ok(file_sync(file));
        ck_assert_uint_eq(vfs_fault_power_cut(vfs), 0);
        ck_assert_ok(file_read(file, 0, page, sizeof page));
        ck_assert(page[0] == 1 || page[0] == 2);
        if (page[0] == 1) lost_count++;
        file_close(file);
        vfs_fault_destroy(vfs);
    }
    ck_assert_int_gt(lost_count, 0);
}
END_TEST

START_TEST(test_file_fault_corrupt_save_load)
{
    Vfs    *vfs = vfs_fault_create(5);
    File   *file = fault_open_new(vfs, "db");
    uint8_t bytes[10000];
    for (size_t byte_idx = 0; byte_idx < sizeof bytes; byte_idx++) bytes[byte_idx] = (uint8_t)byte_idx;
    ck_assert_ok(file_write(file, 0, bytes, sizeof bytes));
    ck_assert_ok(file_sync(file));
    ck_assert_ok(file_sync_dir(vfs, "db"));
    ck_assert_ok(vfs_fault_corrupt(vfs, "db", 9999, 0xff));
    assert_error(vfs_fault_corrupt(vfs, "db", 10000, 1), SQLSTATE_INVALID_PARAMETER_VALUE, "db");
    assert_error(vfs_fault_corrupt(vfs, "nope", 0, 1), SQLSTATE_UNDEFINED_FILE, "nope");
    uint8_t back = 0;
    ck_assert_ok(file_read(file, 9999, &back, 1));
    ck_assert_uint_eq(back, (uint8_t)(9999 & 0xff) ^ 0xff);
    vfs_fault_power_cut(vfs);   /* the durable image is corrupt too */
    ck_assert_ok(file_read(file, 9999, &back, 1));
    ck_assert_uint_eq(back, (uint8_t)(9999 & 0xff) ^ 0xff);

    temp_dir_make();
    char real_path[300];
    temp_path(real_path, sizeof real_path, "saved");
    ck_assert_ok(vfs_fault_save(vfs, "db", real_path));
    assert_error(vfs_fault_save(vfs, "nope", real_path), SQLSTATE_UNDEFINED_FILE, "nope");
    Vfs *loaded = vfs_fault_create(6);
    ck_assert_ok(vfs_fault_load(loaded, "copy", real_path));
    vfs_fault_power_cut(loaded);   /* a loaded file is durable */
    File *copy = NULL;
    ck_assert_ok(file_open(loaded, "copy", 0, &copy));
    uint64_t size = 0;
    ck_assert_ok(file_size(copy, &size));
    ck_assert_uint_eq(size, sizeof bytes);
    uint8_t all[10000];
    ck_assert_ok(file_read(copy, 0, all, sizeof all));
    ck_assert_mem_eq(all, bytes, 9999);
    ck_assert_uint_eq(all[9999], back);
    temp_path(real_path, sizeof real_path, "missing");
    assert_error(vfs_fault_load(loaded, "x", real_path), SQLSTATE_UNDEFINED_FILE, "missing");
    file_close(copy);
    file_close(file);
    vfs_fault_destroy(loaded);
    vfs_fault_destroy(vfs);
    temp_dir_remove();
}
END_TEST

typedef struct FaultWorker {
    Vfs *vfs;
    int  worker_idx;
    int  round_count;
    bool ok;
} FaultWorker;

static void *fault_worker_main(void *arg)
{
    FaultWorker *worker = arg;
    char         path[32];
    snprintf(path, sizeof path, "w%d", worker->worker_idx);
    File *own = NULL, *shared = NULL;
    worker->ok = file_open(worker->vfs, path, FILE_OPEN_CREATE, &own) == NULL &&
                 file_open(worker->vfs, "shared", FILE_OPEN_CREATE, &shared) == NULL;
    uint8_t block[512], back[512];
    for (int round = 0; round < worker->round_count && worker->ok; round++) {
        memset(block, (uint8_t)(round + worker->worker_idx), sizeof block);
        uint64_t offset = (uint64_t)(round % 64) * sizeof block;
        if (file_write(own, offset, block, sizeof block) != NULL) worker->ok = false;
        if (file_read(own, offset, back, sizeof back) != NULL) worker->ok = false;
        if (memcmp(block, back, sizeof block) != 0) worker->ok = false;
        /* the shared file: each worker its own 512-byte lane */
        if (file_write(shared, (uint64_t)worker->worker_idx * sizeof block, block,
                       sizeof block) != NULL) {
            worker->ok = false;
        }
        if (round % 16 == 0 && file_sync(own) != NULL) worker->ok = false;
    }
    file_close(own);
    file_close(shared);
    return NULL;
}

START_TEST(test_file_fault_threads)
{
    enum { WORKER_COUNT = 4 };
    Vfs        *vfs = vfs_fault_create(9);
    FaultWorker workers[WORKER_COUNT];
    pthread_t   threads[WORKER_COUNT];
    for (int worker_idx = 0; worker_idx < WORKER_COUNT; worker_idx++) {
        workers[worker_idx] = (FaultWorker){.vfs = vfs, .worker_idx = worker_idx,
                                            .round_count = (int)(4000 * test_scale())};
        ck_assert_int_eq(pthread_create(&threads[worker_idx], NULL, fault_worker_main,
                                        &workers[worker_idx]), 0);
    }
    for (int worker_idx = 0; worker_idx < WORKER_COUNT; worker_idx++) {
        pthread_join(threads[worker_idx], NULL);
        ck_assert(workers[worker_idx].ok);
    }
    File *shared = NULL;
    ck_assert_ok(file_open(vfs, "shared", 0, &shared));
    uint64_t size = 0;
    ck_assert_ok(file_size(shared, &size));
    ck_assert_uint_eq(size, WORKER_COUNT * 512);
    file_close(shared);
    vfs_fault_power_cut(vfs);
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *file_suite(void)
{
    Suite *suite = suite_create("file");
    TCase *posix = tcase_create("posix");
    tcase_add_test(posix, test_file_posix_read_write_sync_size_truncate);
    tcase_add_test(posix, test_file_posix_offsets_past_4_gib);
    tcase_add_test(posix, test_file_posix_lock_names_holder);
    suite_add_tcase(suite, posix);
    TCase *fault = tcase_create("fault");
    tcase_add_test(fault, test_file_fault_basic_semantics);
    tcase_add_test(fault, test_file_fault_kinds_skip_and_count);
    tcase_add_test(fault, test_file_fault_capacity_is_disk_full);
    tcase_add_test(fault, test_file_fault_power_cut_tears_only_at_4k);
    tcase_add_test(fault, test_file_fault_synced_data_survives);
    tcase_add_test(fault, test_file_fault_unsynced_names_may_vanish);
    tcase_add_test(fault, test_file_fault_failed_sync_loses_writes_for_good);
    tcase_add_test(fault, test_file_fault_corrupt_save_load);
    tcase_add_test(fault, test_file_fault_threads);
    suite_add_tcase(suite, fault);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(file_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
