/* storage/tests/test_bufpool.c: the buffer pool (bufpool.c) over a memory-backed File that
 * counts reads and writes per page and fails on demand. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "storage/bufpool.h"
#include "storage/page.h"

/* ------------------------------------------------------------ memory File ---- */

enum { MEM_PAGE_COUNT_MAX = 8192 };

typedef struct MemFile {
    File base;
    pthread_mutex_t mutex;
    uint8_t *bytes;
    uint64_t size;
    uint64_t capacity;
    atomic_int read_count[MEM_PAGE_COUNT_MAX];
    atomic_int write_count[MEM_PAGE_COUNT_MAX];
    atomic_int total_read_count;
    atomic_int total_write_count;
    atomic_int sync_count;
    atomic_int fail_read_page; /* -1: none */
    atomic_int fail_write_all;
    atomic_int read_delay_page; /* -1: none; that page's reads sleep read_delay_us */
    atomic_int read_delay_us;
    atomic_int fail_read_every; /* > 0: every n-th read fails */
    atomic_int read_call_count;
} MemFile;

static Error *mem_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    MemFile *mem = (MemFile *)file;
    uint64_t page_idx = offset / PAGE_SIZE;
    if ((int)page_idx == atomic_load(&mem->read_delay_page))
        usleep((useconds_t)atomic_load(&mem->read_delay_us));
    int fail_every = atomic_load(&mem->fail_read_every);
    bool fail =
        fail_every > 0 && (atomic_fetch_add(&mem->read_call_count, 1) + 1) % fail_every == 0;
    if (fail || (int)page_idx == atomic_load(&mem->fail_read_page)) {
        return err_new(SQLSTATE_IO_ERROR, "could not read from file \"%s\": Input/output error",
                       file->path);
    }
    pthread_mutex_lock(&mem->mutex);
    if (offset + size > mem->size) {
        pthread_mutex_unlock(&mem->mutex);
        return err_new(SQLSTATE_IO_ERROR, "could not read from file \"%s\": short read",
                       file->path);
    }
    memcpy(buffer, mem->bytes + offset, size);
    pthread_mutex_unlock(&mem->mutex);
    if (page_idx < MEM_PAGE_COUNT_MAX) atomic_fetch_add(&mem->read_count[page_idx], 1);
    atomic_fetch_add(&mem->total_read_count, 1);
    return NULL;
}

static Error *mem_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    MemFile *mem = (MemFile *)file;
    if (atomic_load(&mem->fail_write_all)) {
        return err_new(SQLSTATE_IO_ERROR, "could not write to file \"%s\": Input/output error",
                       file->path);
    }
    pthread_mutex_lock(&mem->mutex);
    if (offset + size > mem->capacity) {
        uint64_t capacity = mem->capacity == 0 ? PAGE_SIZE * 64 : mem->capacity;
        while (capacity < offset + size)
            capacity *= 2;
        mem->bytes = realloc(mem->bytes, capacity);
        memset(mem->bytes + mem->capacity, 0, capacity - mem->capacity);
        mem->capacity = capacity;
    }
    memcpy(mem->bytes + offset, buffer, size);
    if (offset + size > mem->size) mem->size = offset + size;
    pthread_mutex_unlock(&mem->mutex);
    uint64_t page_idx = offset / PAGE_SIZE;
    if (page_idx < MEM_PAGE_COUNT_MAX) atomic_fetch_add(&mem->write_count[page_idx], 1);
    atomic_fetch_add(&mem->total_write_count, 1);
    return NULL;
}

static Error *mem_sync(File *file)
{
    atomic_fetch_add(&((MemFile *)file)->sync_count, 1);
    return NULL;
}

static Error *mem_size(File *file, uint64_t *size_out)
{
    MemFile *mem = (MemFile *)file;
    pthread_mutex_lock(&mem->mutex);
    *size_out = mem->size;
    pthread_mutex_unlock(&mem->mutex);
    return NULL;
}

static Error *mem_truncate(File *file, uint64_t size)
{
    MemFile *mem = (MemFile *)file;
    pthread_mutex_lock(&mem->mutex);
    if (size < mem->size) mem->size = size;
    pthread_mutex_unlock(&mem->mutex);
    return NULL;
}

static Error *mem_lock(File *file)
{
    return NULL;
}
static void mem_close(File *file)
{
    (void)file;
}

static const FileOps MEM_OPS = {
    .read = mem_read,
    .write = mem_write,
    .sync = mem_sync,
    .size = mem_size,
    .truncate = mem_truncate,
    .lock = mem_lock,
    .close = mem_close,
};

static MemFile *mem_create(void)
{
    MemFile *mem = calloc(1, sizeof *mem);
    mem->base.ops = &MEM_OPS;
    mem->base.path = "mem.birch";
    pthread_mutex_init(&mem->mutex, NULL);
    atomic_store(&mem->fail_read_page, -1);
    atomic_store(&mem->read_delay_page, -1);
    atomic_store(&mem->read_delay_us, 50000);
    return mem;
}

static void mem_destroy(MemFile *mem)
{
    pthread_mutex_destroy(&mem->mutex);
    free(mem->bytes);
    free(mem);
}

static uint8_t *mem_page(MemFile *mem, PageId page_id)
{
    return mem->bytes + (uint64_t)page_id * PAGE_SIZE;
}

/* ------------------------------------------------------------ helpers ---- */

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Page contents used throughout: a header with id and type, a 64-bit "version" at offset 24 and
 * a body derived from (page_id, version), so any mix-up shows. */
enum { OFFSET_VERSION = PAGE_HEADER_SIZE };

static uint8_t body_byte(PageId page_id, uint64_t version, size_t offset)
{
    return (uint8_t)((page_id * 2654435761u) ^ (version * 40503u) ^ (offset * 131u) ^
                     (offset >> 7));
}

static void fill_page(uint8_t *page, PageId page_id, uint64_t version, uint64_t lsn)
{
    memset(page, 0, PAGE_HEADER_SIZE);
    page_set_lsn(page, lsn);
    enc_u32le(page + PAGE_OFFSET_ID, page_id);
    page[PAGE_OFFSET_TYPE] = PAGE_TYPE_BT_LEAF;
    enc_u64le(page + OFFSET_VERSION, version);
    for (size_t offset = OFFSET_VERSION + 8; offset < PAGE_SIZE; offset++) {
        page[offset] = body_byte(page_id, version, offset);
    }
}

/* check_page: true if page holds (page_id, some version) consistently; the version found. */
static bool check_page(const uint8_t *page, PageId page_id, uint64_t *version_out)
{
    if (dec_u32le(page + PAGE_OFFSET_ID) != page_id) return false;
    uint64_t version = dec_u64le(page + OFFSET_VERSION);
    for (size_t offset = OFFSET_VERSION + 8; offset < PAGE_SIZE; offset += 97) {
        if (page[offset] != body_byte(page_id, version, offset)) return false;
    }
    if (page[PAGE_SIZE - 1] != body_byte(page_id, version, PAGE_SIZE - 1)) return false;
    if (version_out != NULL) *version_out = version;
    return true;
}

/* put_page: write a sealed page straight into the memory file (data for read tests). */
static void put_page(MemFile *mem, PageId page_id, uint64_t version)
{
    uint8_t page[PAGE_SIZE];
    fill_page(page, page_id, version, 1);
    page_seal(page);
    Error *err = mem_write(&mem->base, (uint64_t)page_id * PAGE_SIZE, page, PAGE_SIZE);
    ck_assert_ptr_null(err);
    atomic_store(&mem->write_count[page_id], 0);
    atomic_fetch_sub(&mem->total_write_count, 1);
}

static BufPool *pool_new(MemFile *mem, size_t frame_count)
{
    BpOptions options = {.frame_count = frame_count};
    BufPool *pool = NULL;
    Error *err = bp_create(&mem->base, mem->base.path, &options, &pool);
    ck_assert_ptr_null(err);
    return pool;
}

static void ok(Error *err)
{
    if (err != NULL)
        ck_abort_msg("unexpected error %s: %s", sqlstate_code(err->state), err->message);
}

static void assert_state(Error *err, const char *code)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), code);
    err_free(err);
}

/* create_page: pin page_id NEW, fill it with version, mark dirty at lsn, unpin. */
static void create_page(BufPool *pool, PageId page_id, uint64_t version, uint64_t lsn)
{
    Frame *frame;
    ok(bp_pin(pool, page_id, BP_PIN_NEW, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    fill_page(bp_data(frame), page_id, version, lsn);
    bp_mark_dirty(pool, frame, lsn);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
}

static uint64_t read_version(BufPool *pool, PageId page_id)
{
    Frame *frame;
    ok(bp_pin(pool, page_id, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_SHARED);
    uint64_t version = 0;
    ck_assert_msg(check_page(bp_data(frame), page_id, &version), "page %u garbled", page_id);
    bp_unlatch(frame, LATCH_SHARED);
    bp_unpin(pool, frame);
    return version;
}

/* ------------------------------------------------------------ tests ---- */

START_TEST(test_bp_create_rejects_tiny_pool)
{
    MemFile *mem = mem_create();
    BpOptions options = {.frame_count = BP_FRAME_COUNT_MIN - 1};
    BufPool *pool = NULL;
    assert_state(bp_create(&mem->base, "mem.birch", &options, &pool), "22023");
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_pin_unpin_and_counts)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    ck_assert_uint_eq(bp_frame_count(pool), 16);
    Frame *frames[5];
    for (PageId page_id = 1; page_id <= 5; page_id++) {
        ok(bp_pin(pool, page_id, BP_PIN_NEW, &frames[page_id - 1]));
        ck_assert_uint_eq(bp_page_id(frames[page_id - 1]), page_id);
        /* a NEW page is zeroed and needs a full page image */
        ck_assert(page_is_zero(bp_data(frames[page_id - 1])));
        bp_latch(frames[page_id - 1], LATCH_EXCLUSIVE);
        ck_assert(bp_take_fpi_flag(frames[page_id - 1]));
        ck_assert(!bp_take_fpi_flag(frames[page_id - 1]));
        bp_unlatch(frames[page_id - 1], LATCH_EXCLUSIVE);
    }
    ck_assert_uint_eq(bp_pinned_count(pool), 5);
    Frame *again;
    ok(bp_pin(pool, 3, BP_PIN_READ, &again));
    ck_assert_ptr_eq(again, frames[2]);
    ck_assert_uint_eq(bp_pinned_count(pool), 5);
    ck_assert_uint_eq(bp_stats(pool).hit_count, 1);
    ck_assert_uint_eq(bp_stats(pool).read_count, 0);
    bp_unpin(pool, again);
    for (int idx = 0; idx < 5; idx++)
        bp_unpin(pool, frames[idx]);
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    ck_assert(bp_is_resident(pool, 3));
    ck_assert(!bp_is_resident(pool, 6));
    /* shared latches coexist, an exclusive one excludes them */
    Frame *frame;
    ok(bp_pin(pool, 1, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_SHARED);
    ck_assert(bp_try_latch(frame, LATCH_SHARED));
    ck_assert(!bp_try_latch(frame, LATCH_EXCLUSIVE));
    bp_unlatch(frame, LATCH_SHARED);
    bp_unlatch(frame, LATCH_SHARED);
    ck_assert(bp_try_latch(frame, LATCH_EXCLUSIVE));
    ck_assert(!bp_try_latch(frame, LATCH_SHARED));
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    bp_destroy(pool);
    ck_assert_int_eq(atomic_load(&mem->total_write_count), 0); /* destroy writes nothing */
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_persists_through_file)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 64);
    for (PageId page_id = 1; page_id <= 40; page_id++)
        create_page(pool, page_id, page_id * 7, 100 + page_id);
    BpDirtyPage dirty[64];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 64), 40);
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 10), 40); /* count even past count_max */
    ok(bp_flush_all(pool));
    ck_assert_int_eq(atomic_load(&mem->total_write_count), 40);
    ck_assert_int_ge(atomic_load(&mem->sync_count), 1);
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 64), 0);
    ok(bp_flush_all(pool)); /* nothing dirty: no more writes */
    ck_assert_int_eq(atomic_load(&mem->total_write_count), 40);
    bp_destroy(pool);
    /* what is on disk is sealed and verifies */
    for (PageId page_id = 1; page_id <= 40; page_id++) {
        ok(page_verify(mem_page(mem, page_id), page_id, "mem.birch", false));
        ck_assert_uint_eq(page_lsn(mem_page(mem, page_id)), 100 + page_id);
    }
    pool = pool_new(mem, 16);
    for (PageId page_id = 1; page_id <= 40; page_id++) {
        ck_assert_uint_eq(read_version(pool, page_id), page_id * 7);
    }
    BpStats stats = bp_stats(pool);
    ck_assert_uint_eq(stats.read_count, 40);
    ck_assert_uint_eq(stats.miss_count, 40);
    ck_assert_uint_eq(stats.write_count, 0); /* clean pages are evicted without writing */
    ck_assert_uint_ge(stats.eviction_count, 24);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_dirty_pages_written_on_eviction)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    for (PageId page_id = 1; page_id <= 64; page_id++)
        create_page(pool, page_id, page_id + 1000, 1);
    BpStats stats = bp_stats(pool);
    ck_assert_uint_ge(stats.write_count, 48);
    ck_assert_uint_ge(stats.eviction_count, 48);
    for (PageId page_id = 1; page_id <= 64; page_id++) {
        ck_assert_uint_eq(read_version(pool, page_id), page_id + 1000);
    }
    /* each page was written at most once: it was never dirtied again */
    for (PageId page_id = 1; page_id <= 64; page_id++) {
        ck_assert_int_le(atomic_load(&mem->write_count[page_id]), 1);
    }
    ok(bp_flush_all(pool));
    for (PageId page_id = 1; page_id <= 64; page_id++) {
        ck_assert_int_eq(atomic_load(&mem->write_count[page_id]), 1);
        uint64_t version;
        ck_assert(check_page(mem_page(mem, page_id), page_id, &version));
        ck_assert_uint_eq(version, page_id + 1000);
    }
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

START_TEST(test_bp_eviction_pool_one_eighth_of_data)
{
    enum { FRAMES = 64, PAGES = FRAMES * 8 };
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= PAGES; page_id++)
        put_page(mem, page_id, 0);
    BufPool *pool = pool_new(mem, FRAMES);
    uint64_t *model = calloc(PAGES + 1, sizeof *model);
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    int op_count = (int)(100000 * test_scale());
    uint64_t lsn = 1;
    for (int op_idx = 0; op_idx < op_count; op_idx++) {
        PageId page_id = (PageId)(rng_next(&rng) % PAGES) + 1;
        Frame *frame;
        ok(bp_pin(pool, page_id, BP_PIN_READ, &frame));
        bool write = rng_next(&rng) % 3 == 0;
        bp_latch(frame, write ? LATCH_EXCLUSIVE : LATCH_SHARED);
        uint64_t version;
        ck_assert_msg(check_page(bp_data(frame), page_id, &version), "page %u garbled", page_id);
        ck_assert_uint_eq(version, model[page_id]);
        if (write) {
            model[page_id]++;
            lsn++;
            fill_page(bp_data(frame), page_id, model[page_id], lsn);
            bp_mark_dirty(pool, frame, lsn);
        }
        bp_unlatch(frame, write ? LATCH_EXCLUSIVE : LATCH_SHARED);
        bp_unpin(pool, frame);
    }
    BpStats stats = bp_stats(pool);
    ck_assert_uint_gt(stats.eviction_count, (uint64_t)op_count / 2);
    ck_assert_uint_gt(stats.write_count, 0);
    ck_assert_uint_eq(stats.hit_count + stats.miss_count, (uint64_t)op_count);
    ok(bp_flush_all(pool));
    bp_destroy(pool);
    /* a fresh pool sees every last version */
    pool = pool_new(mem, FRAMES);
    for (PageId page_id = 1; page_id <= PAGES; page_id++) {
        ck_assert_uint_eq(read_version(pool, page_id), model[page_id]);
    }
    bp_destroy(pool);
    free(model);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_all_frames_pinned_is_53200)
{
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= 40; page_id++)
        put_page(mem, page_id, page_id);
    BufPool *pool = pool_new(mem, 16);
    Frame *frames[16];
    for (PageId page_id = 1; page_id <= 16; page_id++) {
        ok(bp_pin(pool, page_id, BP_PIN_READ, &frames[page_id - 1]));
    }
    double start = now_seconds();
    Frame *frame = NULL;
    Error *err = bp_pin(pool, 17, BP_PIN_READ, &frame);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "53200");
    ck_assert_str_eq(err->message, "no unpinned buffers available");
    err_free(err);
    assert_state(bp_pin(pool, 18, BP_PIN_NEW, &frame), "53200");
    ck_assert(now_seconds() - start < 1.0);
    /* a page already cached can still be pinned */
    Frame *again;
    ok(bp_pin(pool, 5, BP_PIN_READ, &again));
    ck_assert_ptr_eq(again, frames[4]);
    bp_unpin(pool, again);
    ck_assert_uint_eq(bp_pinned_count(pool), 16);
    /* one unpin makes room again */
    bp_unpin(pool, frames[7]);
    ok(bp_pin(pool, 17, BP_PIN_READ, &frame));
    ck_assert_uint_eq(read_version(pool, 1), 1); /* cached and pinned: a hit */
    bp_latch(frame, LATCH_SHARED);
    uint64_t version;
    ck_assert(check_page(bp_data(frame), 17, &version));
    ck_assert_uint_eq(version, 17);
    bp_unlatch(frame, LATCH_SHARED);
    ck_assert(!bp_is_resident(pool, 8));
    frames[7] = frame;
    for (int idx = 0; idx < 16; idx++)
        bp_unpin(pool, frames[idx]);
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

typedef struct HookLog {
    MemFile *mem;
    uint64_t lsns[256];
    int page_writes_at_call[256];
    PageId page_of_interest;
    atomic_int call_count;
    atomic_bool fail;
} HookLog;

static Error *hook_record(void *ctx, uint64_t page_lsn)
{
    HookLog *log = ctx;
    int call_idx = atomic_fetch_add(&log->call_count, 1);
    if (call_idx < 256) {
        log->lsns[call_idx] = page_lsn;
        log->page_writes_at_call[call_idx] =
            atomic_load(&log->mem->write_count[log->page_of_interest]);
    }
    if (atomic_load(&log->fail)) return err_new(SQLSTATE_IO_ERROR, "could not flush the log");
    return NULL;
}

START_TEST(test_bp_before_write_hook)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    HookLog log = {.mem = mem, .page_of_interest = 3};
    bp_set_before_write(pool, hook_record, &log);
    create_page(pool, 3, 1, 777);
    /* the hook gets the page's lsn, before the page is written */
    ok(bp_flush_page(pool, 3));
    ck_assert_int_eq(log.call_count, 1);
    ck_assert_uint_eq(log.lsns[0], 777);
    ck_assert_int_eq(log.page_writes_at_call[0], 0);
    ck_assert_int_eq(atomic_load(&mem->write_count[3]), 1);
    ok(bp_flush_page(pool, 3));  /* clean now: no hook, no write */
    ok(bp_flush_page(pool, 99)); /* not cached: nothing */
    ck_assert_int_eq(log.call_count, 1);

    /* a failing hook keeps the page dirty and unwritten */
    Frame *frame;
    ok(bp_pin(pool, 3, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    fill_page(bp_data(frame), 3, 2, 900);
    bp_mark_dirty(pool, frame, 900);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    log.fail = true;
    assert_state(bp_flush_page(pool, 3), "58030");
    ck_assert_int_eq(log.call_count, 2);
    ck_assert_uint_eq(log.lsns[1], 900);
    ck_assert(bp_is_dirty(frame));
    ck_assert_int_eq(atomic_load(&mem->write_count[3]), 1);
    assert_state(bp_flush_all(pool), "58030");
    bp_unpin(pool, frame);
    BpDirtyPage dirty[4];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 4), 1);
    ck_assert_uint_eq(dirty[0].page_id, 3);
    ck_assert_uint_eq(dirty[0].rec_lsn, 900);

    /* eviction of that page reports the hook's error and the page stays cached and dirty */
    Frame *pinned[15];
    for (PageId page_id = 10; page_id < 25; page_id++)
        ok(bp_pin(pool, page_id, BP_PIN_NEW, &pinned[page_id - 10]));
    assert_state(bp_pin(pool, 30, BP_PIN_NEW, &frame), "58030");
    ck_assert(bp_is_resident(pool, 3));
    ck_assert_int_eq(atomic_load(&mem->write_count[3]), 1);
    ck_assert_uint_eq(bp_pinned_count(pool), 15);
    /* once the log is healthy again the same pin succeeds by writing the page */
    log.fail = false;
    ok(bp_pin(pool, 30, BP_PIN_NEW, &frame));
    ck_assert(!bp_is_resident(pool, 3));
    ck_assert_int_eq(atomic_load(&mem->write_count[3]), 2);
    ck_assert_uint_eq(log.lsns[atomic_load(&log.call_count) - 1], 900);
    bp_unpin(pool, frame);
    for (int idx = 0; idx < 15; idx++)
        bp_unpin(pool, pinned[idx]);
    ck_assert_uint_eq(read_version(pool, 3), 2);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_rec_lsn_and_fpi_flag)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    Frame *frame;
    ok(bp_pin(pool, 2, BP_PIN_NEW, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    ck_assert(bp_take_fpi_flag(frame));
    fill_page(bp_data(frame), 2, 1, 5);
    bp_mark_dirty(pool, frame, 5);
    ck_assert(!bp_take_fpi_flag(frame));
    fill_page(bp_data(frame), 2, 2, 9);
    bp_mark_dirty(pool, frame, 9);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    BpDirtyPage dirty[4];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 4), 1);
    ck_assert_uint_eq(dirty[0].rec_lsn, 5); /* the first change since clean */
    ok(bp_flush_page(pool, 2));
    ck_assert(!bp_is_dirty(frame));
    ck_assert_uint_eq(page_lsn(mem_page(mem, 2)), 9);
    bp_latch(frame, LATCH_EXCLUSIVE);
    ck_assert(bp_take_fpi_flag(frame)); /* written out: the next change needs an image */
    bp_mark_dirty(pool, frame, 12);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 4), 1);
    ck_assert_uint_eq(dirty[0].rec_lsn, 12);
    bp_unpin(pool, frame);
    ok(bp_flush_all(pool));
    bp_destroy(pool);
    /* read from disk: the flag is set again */
    pool = pool_new(mem, 16);
    ok(bp_pin(pool, 2, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    ck_assert(bp_take_fpi_flag(frame));
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_read_errors_leave_pool_usable)
{
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= 20; page_id++)
        put_page(mem, page_id, page_id);
    BufPool *pool = pool_new(mem, 16);
    Frame *frame;
    /* an I/O error */
    atomic_store(&mem->fail_read_page, 7);
    assert_state(bp_pin(pool, 7, BP_PIN_READ, &frame), "58030");
    ck_assert(!bp_is_resident(pool, 7));
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    atomic_store(&mem->fail_read_page, -1);
    ck_assert_uint_eq(read_version(pool, 7), 7);
    /* reading past the end of the file */
    assert_state(bp_pin(pool, 500, BP_PIN_READ, &frame), "58030");
    /* a flipped bit on disk */
    mem_page(mem, 9)[4000] ^= 0x10;
    Error *err = bp_pin(pool, 9, BP_PIN_READ, &frame);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    ck_assert_msg(strstr(err->message, "invalid page in block 9 of file \"mem.birch\": checksum "
                                       "mismatch") != NULL,
                  "message: %s", err->message);
    err_free(err);
    ck_assert(!bp_is_resident(pool, 9));
    /* a misdirected page: page 4's image at page 11 */
    memcpy(mem_page(mem, 11), mem_page(mem, 4), PAGE_SIZE);
    err = bp_pin(pool, 11, BP_PIN_READ, &frame);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    ck_assert_msg(strstr(err->message, "page id 4 found where 11 was expected") != NULL,
                  "message: %s", err->message);
    err_free(err);
    /* an all-zero page */
    memset(mem_page(mem, 12), 0, PAGE_SIZE);
    assert_state(bp_pin(pool, 12, BP_PIN_READ, &frame), "XX001");
    /* recovery reads get a zeroed frame instead of an error */
    ok(bp_pin(pool, 9, BP_PIN_REDO, &frame));
    ck_assert(page_is_zero(bp_data(frame)));
    bp_unpin(pool, frame);
    ok(bp_pin(pool, 600, BP_PIN_REDO, &frame));
    ck_assert(page_is_zero(bp_data(frame)));
    bp_unpin(pool, frame);
    /* after all that, every frame can still be used */
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    Frame *frames[16];
    for (PageId page_id = 100; page_id < 116; page_id++)
        ok(bp_pin(pool, page_id, BP_PIN_NEW, &frames[page_id - 100]));
    for (int idx = 0; idx < 16; idx++)
        bp_unpin(pool, frames[idx]);
    for (PageId page_id = 1; page_id <= 8; page_id++)
        ck_assert_uint_eq(read_version(pool, page_id), page_id);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

/* ---- two threads missing on one page read it once ---- */

typedef struct SameMissArg {
    BufPool *pool;
    PageId page_id;
    uint64_t version;
} SameMissArg;

static void *same_miss_main(void *arg)
{
    SameMissArg *miss = arg;
    miss->version = read_version(miss->pool, miss->page_id);
    return NULL;
}

START_TEST(test_bp_concurrent_misses_read_once)
{
    MemFile *mem = mem_create();
    put_page(mem, 5, 55);
    BufPool *pool = pool_new(mem, 16);
    atomic_store(&mem->read_delay_page, 5);
    pthread_t threads[4];
    SameMissArg args[4];
    for (int idx = 0; idx < 4; idx++) {
        args[idx] = (SameMissArg){.pool = pool, .page_id = 5};
        pthread_create(&threads[idx], NULL, same_miss_main, &args[idx]);
    }
    for (int idx = 0; idx < 4; idx++) {
        pthread_join(threads[idx], NULL);
        ck_assert_uint_eq(args[idx].version, 55);
    }
    ck_assert_int_eq(atomic_load(&mem->read_count[5]), 1);
    ck_assert_uint_eq(bp_stats(pool).read_count, 1);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

/* ---- read failures under concurrency: waiters of a failed read, reclaimed frames ---- */

typedef struct FailArg {
    BufPool *pool;
    uint64_t seed;
    int op_count;
    atomic_int *garbled;
    atomic_int *failed;
} FailArg;

static void *fail_main(void *arg)
{
    FailArg *fail = arg;
    uint64_t rng = fail->seed;
    for (int op_idx = 0; op_idx < fail->op_count; op_idx++) {
        /* page 1 (slow to read) a third of the time, so threads pile up waiting on its reads */
        PageId page_id = rng_next(&rng) % 3 == 0 ? 1 : (PageId)(rng_next(&rng) % 64) + 1;
        Frame *frame;
        Error *err = bp_pin(fail->pool, page_id, BP_PIN_READ, &frame);
        if (err != NULL) {
            if (err->state != SQLSTATE_IO_ERROR) atomic_fetch_add(fail->garbled, 1000);
            atomic_fetch_add(fail->failed, 1);
            err_free(err);
            continue;
        }
        bp_latch(frame, LATCH_SHARED);
        uint64_t version;
        if (!check_page(bp_data(frame), page_id, &version) || version != page_id)
            atomic_fetch_add(fail->garbled, 1);
        bp_unlatch(frame, LATCH_SHARED);
        bp_unpin(fail->pool, frame);
    }
    return NULL;
}

START_TEST(test_bp_concurrent_read_failures)
{
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= 64; page_id++)
        put_page(mem, page_id, page_id);
    BufPool *pool = pool_new(mem, 16);
    atomic_store(&mem->read_delay_page, 1);
    atomic_store(&mem->read_delay_us, 300);
    atomic_store(&mem->fail_read_every, 4);
    atomic_int garbled = 0;
    atomic_int failed = 0;
    pthread_t threads[4];
    FailArg args[4];
    for (int idx = 0; idx < 4; idx++) {
        args[idx] = (FailArg){.pool = pool,
                              .seed = 77 + (uint64_t)idx * 1000003,
                              .garbled = &garbled,
                              .failed = &failed,
                              .op_count = (int)(20000 * test_scale())};
        pthread_create(&threads[idx], NULL, fail_main, &args[idx]);
    }
    for (int idx = 0; idx < 4; idx++)
        pthread_join(threads[idx], NULL);
    ck_assert_int_eq(atomic_load(&garbled), 0);
    ck_assert_int_gt(atomic_load(&failed), 0);
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    /* every frame is usable again: failed frames went back to the free list */
    atomic_store(&mem->fail_read_every, 0);
    Frame *frames[16];
    for (PageId page_id = 1; page_id <= 16; page_id++)
        ok(bp_pin(pool, page_id, BP_PIN_READ, &frames[page_id - 1]));
    for (int idx = 0; idx < 16; idx++)
        bp_unpin(pool, frames[idx]);
    for (PageId page_id = 1; page_id <= 64; page_id++)
        ck_assert_uint_eq(read_version(pool, page_id), page_id);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

/* ---- a page being written out can still be pinned, latched and changed ---- */

typedef struct SlowHook {
    atomic_int entered;
    atomic_int release;
} SlowHook;

static Error *hook_slow(void *ctx, uint64_t page_lsn)
{
    SlowHook *slow = ctx;
    atomic_store(&slow->entered, 1);
    for (int wait_idx = 0; wait_idx < 5000 && !atomic_load(&slow->release); wait_idx++)
        usleep(1000);
    return NULL;
}

static void *flush_main(void *arg)
{
    BufPool *pool = arg;
    ok(bp_flush_page(pool, 4));
    return NULL;
}

START_TEST(test_bp_page_being_written_can_be_pinned)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    SlowHook slow = {0};
    bp_set_before_write(pool, hook_slow, &slow);
    create_page(pool, 4, 1, 10);
    pthread_t thread;
    pthread_create(&thread, NULL, flush_main, pool);
    while (!atomic_load(&slow.entered))
        usleep(1000);
    /* the write is in progress (the hook waits): change the page meanwhile */
    Frame *frame;
    ok(bp_pin(pool, 4, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    fill_page(bp_data(frame), 4, 2, 20);
    bp_mark_dirty(pool, frame, 20);
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    atomic_store(&slow.release, 1);
    pthread_join(thread, NULL);
    /* the old copy went to disk; the page stays dirty with the newer change */
    uint64_t version;
    ck_assert(check_page(mem_page(mem, 4), 4, &version));
    ck_assert_uint_eq(version, 1);
    ck_assert(bp_is_dirty(frame));
    bp_unpin(pool, frame);
    ok(bp_flush_page(pool, 4));
    ck_assert(check_page(mem_page(mem, 4), 4, &version));
    ck_assert_uint_eq(version, 2);
    ck_assert_int_eq(atomic_load(&mem->write_count[4]), 2);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

/* ---- 4 threads over a pool smaller than the working set ---- */

enum { CONC_PAGES_MAX = 128, CONC_THREADS = 4 };

typedef struct ConcShared {
    BufPool *pool;
    PageId page_count;
    atomic_int increments[CONC_PAGES_MAX + 1];
    atomic_int failures;
    int op_count;
} ConcShared;

typedef struct ConcArg {
    ConcShared *shared;
    uint64_t seed;
} ConcArg;

/* Each page holds a counter (its version); a writer X-latches, checks the whole page, bumps
 * the counter and rewrites the body; a reader S-latches and checks consistency. Two pages are
 * sometimes held at once, latched in page id order. */
static void *conc_main(void *arg)
{
    ConcArg *conc = arg;
    ConcShared *shared = conc->shared;
    uint64_t rng = conc->seed;
    for (int op_idx = 0; op_idx < shared->op_count; op_idx++) {
        int page_count = rng_next(&rng) % 4 == 0 ? 2 : 1;
        PageId page_ids[2];
        page_ids[0] = (PageId)(rng_next(&rng) % shared->page_count) + 1;
        page_ids[1] = page_ids[0] % shared->page_count + 1;
        bool write = rng_next(&rng) % 2 == 0;
        Frame *frames[2];
        for (int idx = 0; idx < page_count; idx++) {
            Error *err = bp_pin(shared->pool, page_ids[idx], BP_PIN_READ, &frames[idx]);
            if (err != NULL) {
                atomic_fetch_add(&shared->failures, 1);
                err_free(err);
                page_count = idx;
                break;
            }
        }
        /* latch in page id order */
        int order[2] = {0, 1};
        if (page_count == 2 && page_ids[1] < page_ids[0]) {
            order[0] = 1;
            order[1] = 0;
        }
        for (int idx = 0; idx < page_count; idx++) {
            bp_latch(frames[order[idx]], write ? LATCH_EXCLUSIVE : LATCH_SHARED);
        }
        for (int idx = 0; idx < page_count; idx++) {
            uint8_t *data = bp_data(frames[idx]);
            uint64_t version;
            if (!check_page(data, page_ids[idx], &version))
                atomic_fetch_add(&shared->failures, 1000);
            if (write) {
                fill_page(data, page_ids[idx], version + 1, version + 2);
                bp_mark_dirty(shared->pool, frames[idx], version + 2);
                atomic_fetch_add(&shared->increments[page_ids[idx]], 1);
            }
        }
        for (int idx = page_count - 1; idx >= 0; idx--) {
            bp_unlatch(frames[order[idx]], write ? LATCH_EXCLUSIVE : LATCH_SHARED);
        }
        for (int idx = 0; idx < page_count; idx++)
            bp_unpin(shared->pool, frames[idx]);
    }
    return NULL;
}

static void concurrent_threads(size_t frame_count, PageId page_count)
{
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= page_count; page_id++)
        put_page(mem, page_id, 0);
    BpOptions options = {
        .frame_count = frame_count, .start_cleaner = true, .cleaner_interval_ms = 5};
    BufPool *pool;
    ok(bp_create(&mem->base, "mem.birch", &options, &pool));
    ConcShared *shared = calloc(1, sizeof *shared);
    shared->pool = pool;
    shared->page_count = page_count;
    shared->op_count = (int)(100000 * test_scale());
    pthread_t threads[CONC_THREADS];
    ConcArg args[CONC_THREADS];
    for (int idx = 0; idx < CONC_THREADS; idx++) {
        args[idx] = (ConcArg){.shared = shared, .seed = 0x1234567ULL * (uint64_t)(idx + 1)};
        pthread_create(&threads[idx], NULL, conc_main, &args[idx]);
    }
    for (int idx = 0; idx < CONC_THREADS; idx++)
        pthread_join(threads[idx], NULL);
    ck_assert_int_eq(atomic_load(&shared->failures), 0);
    ck_assert_uint_eq(bp_pinned_count(pool), 0);
    BpStats stats = bp_stats(pool);
    ck_assert_uint_gt(stats.eviction_count, 0);
    for (PageId page_id = 1; page_id <= page_count; page_id++) {
        ck_assert_uint_eq(read_version(pool, page_id),
                          (uint64_t)atomic_load(&shared->increments[page_id]));
    }
    ok(bp_flush_all(pool));
    bp_destroy(pool);
    pool = pool_new(mem, 16);
    for (PageId page_id = 1; page_id <= page_count; page_id++) {
        ck_assert_uint_eq(read_version(pool, page_id),
                          (uint64_t)atomic_load(&shared->increments[page_id]));
    }
    bp_destroy(pool);
    free(shared);
    mem_destroy(mem);
}

START_TEST(test_bp_concurrent_threads_verify_contents)
{
    concurrent_threads(32, 128); /* working set 4x the pool: mostly misses */
    concurrent_threads(16, 24);  /* mostly hits on frames that keep being evicted */
}
END_TEST

/* ---- scan resistance ---- */

static void touch_page(BufPool *pool, PageId page_id, int pin_count)
{
    for (int pin_idx = 0; pin_idx < pin_count; pin_idx++) {
        Frame *frame;
        ok(bp_pin(pool, page_id, BP_PIN_READ, &frame));
        bp_unpin(pool, frame);
    }
}

/* With a pool of N frames: warm a hot set of N/2 pages (several rounds), then scan 4N other
 * pages, pinning each scan page twice in a row as a cursor does. hot_touch_every > 0: every
 * that many scan pages, touch 4 hot pages round-robin; 0: no hot touches during the scan. */
static void scan_resistance(int hot_touch_every)
{
    enum { FRAMES = 128, HOT = FRAMES / 2, SCAN = 4 * FRAMES, SCAN_FIRST = 1000 };
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= HOT; page_id++)
        put_page(mem, page_id, page_id);
    for (PageId page_id = SCAN_FIRST; page_id < SCAN_FIRST + SCAN; page_id++)
        put_page(mem, page_id, 0);
    BufPool *pool = pool_new(mem, FRAMES);
    for (int round = 0; round < 5; round++) {
        for (PageId page_id = 1; page_id <= HOT; page_id++)
            touch_page(pool, page_id, 1);
    }
    PageId hot_next = 1;
    for (PageId page_id = SCAN_FIRST; page_id < SCAN_FIRST + SCAN; page_id++) {
        touch_page(pool, page_id, 2);
        if (hot_touch_every > 0 && (page_id - SCAN_FIRST) % hot_touch_every == 0) {
            for (int touch_idx = 0; touch_idx < 4; touch_idx++) {
                touch_page(pool, hot_next, 1);
                hot_next = hot_next % HOT + 1;
            }
        }
    }
    int resident = 0;
    for (PageId page_id = 1; page_id <= HOT; page_id++)
        resident += bp_is_resident(pool, page_id);
    ck_assert_msg(resident * 10 >= HOT * 9, "only %d of %d hot pages resident", resident, HOT);
    /* and the scan did go through the pool */
    ck_assert_uint_ge(bp_stats(pool).eviction_count, SCAN - FRAMES / 2);
    bp_destroy(pool);
    mem_destroy(mem);
}

START_TEST(test_bp_scan_resistance_with_hot_touches)
{
    scan_resistance(64);
}
END_TEST

START_TEST(test_bp_scan_resistance_without_hot_touches)
{
    scan_resistance(0);
}
END_TEST

START_TEST(test_bp_retouched_pages_are_promoted)
{
    /* the counterpart of scan resistance: pages touched again well after their first read are
     * promoted, so a new working set that fits the old sublist displaces the old hot set and
     * then survives a scan itself */
    enum { FRAMES = 64, HOT_A = 40, HOT_B = 16, SCAN = 4 * FRAMES };
    MemFile *mem = mem_create();
    for (PageId page_id = 1; page_id <= HOT_A + HOT_B + SCAN; page_id++)
        put_page(mem, page_id, page_id);
    BufPool *pool = pool_new(mem, FRAMES);
    for (int round = 0; round < 4; round++) {
        for (PageId page_id = 1; page_id <= HOT_A; page_id++)
            touch_page(pool, page_id, 1);
    }
    /* B is touched in rounds with other pages read in between (time, for promotion, is
     * counted in pages brought in) */
    PageId cold_next = HOT_A + HOT_B + 1;
    for (int round = 0; round < 4; round++) {
        for (PageId page_id = HOT_A + 1; page_id <= HOT_A + HOT_B; page_id++)
            touch_page(pool, page_id, 1);
        for (int cold_idx = 0; cold_idx < 8; cold_idx++)
            touch_page(pool, cold_next++, 1);
    }
    while (cold_next <= HOT_A + HOT_B + SCAN)
        touch_page(pool, cold_next++, 1);
    int resident_b = 0;
    for (PageId page_id = HOT_A + 1; page_id <= HOT_A + HOT_B; page_id++)
        resident_b += bp_is_resident(pool, page_id);
    ck_assert_int_eq(resident_b, HOT_B);
    int resident_a = 0;
    for (PageId page_id = 1; page_id <= HOT_A; page_id++)
        resident_a += bp_is_resident(pool, page_id);
    /* the young sublist (5/8, give or take the rebalancing tolerance of 2) holds B and the rest
     * of A; the scan went through the old sublist only */
    ck_assert_int_le(resident_a, FRAMES - FRAMES * 3 / 8 - HOT_B + 2);
    ck_assert_int_ge(resident_a, FRAMES - FRAMES * 3 / 8 - HOT_B - 2);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_cleaner_writes_in_background)
{
    MemFile *mem = mem_create();
    BpOptions options = {.frame_count = 64, .start_cleaner = true, .cleaner_interval_ms = 10};
    BufPool *pool;
    ok(bp_create(&mem->base, "mem.birch", &options, &pool));
    HookLog log = {.mem = mem, .page_of_interest = 1};
    bp_set_before_write(pool, hook_record, &log);
    /* 60 dirty pages in a 64-frame pool: the old sublist (3/8) holds ~24 of them */
    for (PageId page_id = 1; page_id <= 60; page_id++)
        create_page(pool, page_id, page_id, page_id);
    double start = now_seconds();
    while (bp_stats(pool).cleaner_write_count < 20 && now_seconds() - start < 5.0)
        usleep(2000);
    BpStats stats = bp_stats(pool);
    ck_assert_uint_ge(stats.cleaner_write_count, 20);
    ck_assert_uint_ge(stats.write_count, stats.cleaner_write_count);
    ck_assert_uint_eq(stats.eviction_count, 0);
    ck_assert_int_ge(atomic_load(&log.call_count), 20); /* the cleaner keeps the WAL rule too */
    BpDirtyPage dirty[64];
    ck_assert_uint_le(bp_dirty_pages(pool, dirty, 64), 40);
    /* pages the cleaner wrote are on disk, sealed */
    int sealed = 0;
    for (PageId page_id = 1; page_id <= 60; page_id++) {
        if (atomic_load(&mem->write_count[page_id]) > 0) {
            ok(page_verify(mem_page(mem, page_id), page_id, "mem.birch", false));
            sealed++;
        }
    }
    ck_assert_int_ge(sealed, 20);
    start = now_seconds();
    bp_destroy(pool); /* stops the cleaner at once, not after its interval */
    ck_assert(now_seconds() - start < 1.0);
    mem_destroy(mem);
}
END_TEST

static Error *hook_sleepy(void *ctx, uint64_t page_lsn)
{
    usleep(200);
    return NULL;
}

START_TEST(test_bp_cleaner_never_causes_53200)
{
    /* 15 of 16 frames pinned by the test; the last one churns through dirty pages while the
     * cleaner (every 1 ms) keeps pinning it to write it: the pool's own short pins must not
     * make a pin fail with 53200 */
    MemFile *mem = mem_create();
    BpOptions options = {.frame_count = 16, .start_cleaner = true, .cleaner_interval_ms = 1};
    BufPool *pool;
    ok(bp_create(&mem->base, "mem.birch", &options, &pool));
    bp_set_before_write(pool, hook_sleepy, NULL); /* writes hold their pin for a while */
    Frame *pinned[15];
    for (PageId page_id = 1; page_id <= 15; page_id++)
        ok(bp_pin(pool, page_id, BP_PIN_NEW, &pinned[page_id - 1]));
    int round_count = (int)(800 * test_scale()) + 60;
    for (int round = 0; round < round_count; round++) {
        PageId page_id = 100 + (PageId)(round % 50);
        Frame *frame;
        ok(bp_pin(pool, page_id, round < 50 ? BP_PIN_NEW : BP_PIN_READ, &frame));
        bp_latch(frame, LATCH_EXCLUSIVE);
        uint64_t version = 0;
        if (round >= 50) ck_assert(check_page(bp_data(frame), page_id, &version));
        fill_page(bp_data(frame), page_id, version + 1, (uint64_t)round + 1);
        bp_mark_dirty(pool, frame, (uint64_t)round + 1);
        bp_unlatch(frame, LATCH_EXCLUSIVE);
        bp_unpin(pool, frame);
    }
    for (int idx = 0; idx < 15; idx++)
        bp_unpin(pool, pinned[idx]);
    ck_assert_uint_gt(bp_stats(pool).eviction_count, 0);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_discard_from)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    for (PageId page_id = 1; page_id <= 10; page_id++)
        create_page(pool, page_id, page_id, 1);
    bp_discard_from(pool, 6);
    for (PageId page_id = 1; page_id <= 10; page_id++)
        ck_assert(bp_is_resident(pool, page_id) == (page_id < 6));
    BpDirtyPage dirty[16];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 16), 5);
    ok(bp_flush_all(pool));
    ck_assert_int_eq(atomic_load(&mem->total_write_count), 5);
    ck_assert_int_eq(atomic_load(&mem->write_count[6]), 0);
    /* the freed frames are reused */
    Frame *frames[11];
    for (PageId page_id = 20; page_id < 31; page_id++)
        ok(bp_pin(pool, page_id, BP_PIN_NEW, &frames[page_id - 20]));
    for (int idx = 0; idx < 11; idx++)
        bp_unpin(pool, frames[idx]);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_write_error_keeps_page_dirty)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 16);
    create_page(pool, 2, 5, 3);
    atomic_store(&mem->fail_write_all, 1);
    assert_state(bp_flush_all(pool), "58030");
    BpDirtyPage dirty[4];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 4), 1);
    atomic_store(&mem->fail_write_all, 0);
    ok(bp_flush_all(pool));
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 4), 0);
    uint64_t version;
    ck_assert(check_page(mem_page(mem, 2), 2, &version));
    ck_assert_uint_eq(version, 5);
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

START_TEST(test_bp_real_file_round_trip)
{
    char dir_template[] = "/tmp/birch_bp_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir_template));
    char path[256];
    snprintf(path, sizeof path, "%s/t.birch", dir_template);
    File *file;
    ok(file_open(vfs_posix(), path, FILE_OPEN_CREATE, &file));
    BpOptions options = {.frame_count = 16, .start_cleaner = true, .cleaner_interval_ms = 5};
    BufPool *pool;
    ok(bp_create(file, path, &options, &pool));
    for (PageId page_id = 1; page_id <= 100; page_id++)
        create_page(pool, page_id, page_id * 3, page_id);
    ok(bp_flush_all(pool));
    bp_destroy(pool);
    file_close(file);

    ok(file_open(vfs_posix(), path, 0, &file));
    uint64_t size;
    ok(file_size(file, &size));
    ck_assert_uint_eq(size, 101 * (uint64_t)PAGE_SIZE);
    ok(bp_create(file, path, &options, &pool));
    for (PageId page_id = 100; page_id >= 1; page_id--)
        ck_assert_uint_eq(read_version(pool, page_id), page_id * 3);
    /* page 0 was never written: a hole reads as zeros, which READ refuses */
    Frame *frame;
    assert_state(bp_pin(pool, 0, BP_PIN_READ, &frame), "XX001");
    bp_destroy(pool);
    /* flip one bit of page 50 on disk */
    uint8_t byte;
    ok(file_read(file, 50 * (uint64_t)PAGE_SIZE + 1234, &byte, 1));
    byte ^= 0x01;
    ok(file_write(file, 50 * (uint64_t)PAGE_SIZE + 1234, &byte, 1));
    ok(bp_create(file, path, &options, &pool));
    Error *err = bp_pin(pool, 50, BP_PIN_READ, &frame);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    ck_assert_msg(strstr(err->message, "block 50") != NULL && strstr(err->message, path) != NULL,
                  "message: %s", err->message);
    err_free(err);
    ck_assert_uint_eq(read_version(pool, 51), 153);
    bp_destroy(pool);
    file_close(file);
    ok(file_remove(vfs_posix(), path));
    rmdir(dir_template);
}
END_TEST

START_TEST(test_bp_pin_unpin_speed)
{
    MemFile *mem = mem_create();
    BufPool *pool = pool_new(mem, 1024);
    for (PageId page_id = 1; page_id <= 512; page_id++)
        create_page(pool, page_id, 0, 1);
    int op_count = (int)(5000000 * test_scale());
    uint64_t rng = 42;
    PageId page_ids[1024];
    for (int idx = 0; idx < 1024; idx++)
        page_ids[idx] = (PageId)(rng_next(&rng) % 512) + 1;
    double start = now_seconds();
    for (int op_idx = 0; op_idx < op_count; op_idx++) {
        Frame *frame;
        Error *err = bp_pin(pool, page_ids[op_idx & 1023], BP_PIN_READ, &frame);
        if (err != NULL) ck_abort_msg("pin failed");
        bp_unpin(pool, frame);
    }
    double ns_per_op = (now_seconds() - start) * 1e9 / op_count;
    start = now_seconds();
    for (int op_idx = 0; op_idx < op_count; op_idx++) {
        Frame *frame;
        Error *err = bp_pin(pool, page_ids[op_idx & 1023], BP_PIN_READ, &frame);
        if (err != NULL) ck_abort_msg("pin failed");
        bp_latch(frame, LATCH_SHARED);
        bp_unlatch(frame, LATCH_SHARED);
        bp_unpin(pool, frame);
    }
    double ns_per_op_latched = (now_seconds() - start) * 1e9 / op_count;
    printf("bufpool: pin+unpin of a cached page: %.1f ns/op; with S latch: %.1f ns/op\n", ns_per_op,
           ns_per_op_latched);
    ck_assert_uint_eq(bp_stats(pool).read_count, 0);
    ck_assert(ns_per_op < 5000); /* a sanity bound, not a benchmark */
    bp_destroy(pool);
    mem_destroy(mem);
}
END_TEST

static Suite *bufpool_suite(void)
{
    Suite *suite = suite_create("bufpool");
    TCase *tcase = tcase_create("bufpool");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_bp_create_rejects_tiny_pool);
    tcase_add_test(tcase, test_bp_pin_unpin_and_counts);
    tcase_add_test(tcase, test_bp_persists_through_file);
    tcase_add_test(tcase, test_bp_dirty_pages_written_on_eviction);
    tcase_add_test(tcase, test_bp_eviction_pool_one_eighth_of_data);
    tcase_add_test(tcase, test_bp_all_frames_pinned_is_53200);
    tcase_add_test(tcase, test_bp_before_write_hook);
    tcase_add_test(tcase, test_bp_rec_lsn_and_fpi_flag);
    tcase_add_test(tcase, test_bp_read_errors_leave_pool_usable);
    tcase_add_test(tcase, test_bp_concurrent_misses_read_once);
    tcase_add_test(tcase, test_bp_concurrent_read_failures);
    tcase_add_test(tcase, test_bp_page_being_written_can_be_pinned);
    tcase_add_test(tcase, test_bp_concurrent_threads_verify_contents);
    tcase_add_test(tcase, test_bp_scan_resistance_with_hot_touches);
    tcase_add_test(tcase, test_bp_scan_resistance_without_hot_touches);
    tcase_add_test(tcase, test_bp_retouched_pages_are_promoted);
    tcase_add_test(tcase, test_bp_cleaner_writes_in_background);
    tcase_add_test(tcase, test_bp_cleaner_never_causes_53200);
    tcase_add_test(tcase, test_bp_discard_from);
    tcase_add_test(tcase, test_bp_write_error_keeps_page_dirty);
    tcase_add_test(tcase, test_bp_real_file_round_trip);
    tcase_add_test(tcase, test_bp_pin_unpin_speed);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(bufpool_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
