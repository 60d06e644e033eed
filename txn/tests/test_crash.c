/* txn/tests/test_crash.c: the crash harness at storage level (the transaction manager will
 * extend it to transactions).
 *
 * A forked child opens the database (recov_open: recovery of the last crash), and runs
 * CRASH_THREAD_COUNT threads, each doing a deterministic sequence of B+ tree operations (upsert
 * or delete of a key in its own key range) in batches; after a batch the thread makes the log
 * durable up to its last LSN (the "commit") and only then reports the number of operations
 * done over a pipe. The parent ends the child at a random moment:
 * - kill iterations: SIGKILL, on a real file in a temp dir; some of them arm a failpoint that
 *   crashes the child instead (between the log flush and a page write, inside a split or a
 *   merge, inside a checkpoint), and some crash a first recovery half way before the real one;
 * - power iterations: the child runs on the fault VFS behind a gate; a watchdog thread closes
 *   the gate (no more I/O), simulates a power cut (unsynced writes dropped or torn at 4 KiB,
 *   directory entries too), saves the files to real image files and _exits; the parent loads
 *   the images.
 * The parent then recovers, runs bt_check_store, and checks per thread that the tree holds
 * exactly the state after some prefix of that thread's operations at least as long as what was
 * reported (mtr atomicity: no torn operation, no lost durable one).
 *
 * Half the parent's recoveries (iterations 4k+4 .. 4k+7 for odd k, the crashed recoveries among
 * them) run on a pool of CRASH_RECOV_TINY_FRAMES frames, fewer than the tree's pages once it
 * has grown (a few hundred evictions in 200 iterations), so redo evicts (and writes back) pages
 * it rebuilt from images and reads them again for later records;
 * in a quarter of the power iterations a first recovery on that pool fails half way (failpoint
 * recov.redo.record) and the power is cut again before the real one.
 *
 * BIRCH_CRASH_ITERATIONS overrides the iteration count (10000 for the long mode);
 * BIRCH_TEST_SCALE scales the default (200); BIRCH_CRASH_RECOV_FRAMES=N runs every parent
 * recovery on N frames (at least 16). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "common/hash.h"
#include "storage/btree.h"
#include "storage/bufpool.h"
#include "txn/recov.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s (%s)", #expr,                  \
                      err_ok_ != NULL ? err_ok_->message : "",                       \
                      err_ok_ != NULL ? sqlstate_code(err_ok_->state) : "");         \
    } while (0)

enum {
    CRASH_THREAD_COUNT = 4,
    CRASH_KEY_COUNT = 1200,      /* keys per thread */
    CRASH_OP_COUNT_MAX = 4000,   /* operations per thread and iteration */
    CRASH_BATCH_MAX = 8,
    CRASH_ROOT_SLOT = 1,
    CRASH_POOL_FRAMES = 64,
    CRASH_RECOV_TINY_FRAMES = BP_FRAME_COUNT_MIN,   /* half the parent's recoveries */
    CRASH_WAL_CAPACITY = 512 * 1024,
    CRASH_VALUE_SIZE_MAX = 8 + 120,
};

static const char *const POWER_DB = "pdb.birch";
static const char *const POWER_WAL = "pdb.birch-wal";

static const char *const FAILPOINTS[] = {
    "wal.before_page_write", "bt.split.after_alloc", "bt.merge.mid",
    "ckpt.before_slot", "ckpt.after_flush",
};

/* ---------------------------------------------------------------- operations ---- */

typedef struct Op {
    uint32_t key_idx;
    bool     is_delete;
    uint64_t tag;            /* the value's identity (upserts) */
} Op;

static uint64_t rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ull;
    return hash_u64(*state);
}

/* ops_generate: thread thread_idx's operations in iteration iteration_idx. */
static void ops_generate(uint64_t seed, int iteration_idx, int thread_idx, Op *ops)
{
    uint64_t state = hash_u64(seed ^ ((uint64_t)iteration_idx << 8) ^ (uint64_t)thread_idx);
    for (int op_idx = 0; op_idx < CRASH_OP_COUNT_MAX; op_idx++) {
        uint64_t random = rng_next(&state);
        ops[op_idx] = (Op){
            .key_idx = (uint32_t)(random % CRASH_KEY_COUNT),
            .is_delete = (random >> 32) % 4 == 0,
            .tag = ((uint64_t)(iteration_idx + 1) << 24) | ((uint64_t)thread_idx << 20) |
                   (uint64_t)(op_idx + 1),
        };
    }
}

static void key_encode(int thread_idx, uint32_t key_idx, uint8_t *key)
{
    enc_u64be(key, ((uint64_t)thread_idx << 32) | key_idx);
}

static size_t value_encode(uint64_t tag, uint8_t *value)
{
    enc_u64le(value, tag);
    size_t filler = (size_t)(hash_u64(tag) % 120);
    for (size_t byte_idx = 0; byte_idx < filler; byte_idx++) {
        value[8 + byte_idx] = (uint8_t)(tag * 7 + byte_idx);
    }
    return 8 + filler;
}

/* value_tag: the tag of a value read back, or 0 if its bytes are not a value we wrote. */
static uint64_t value_tag(const uint8_t *value, size_t size)
{
    if (size < 8) return 0;
    uint8_t expected[CRASH_VALUE_SIZE_MAX];
    uint64_t tag = dec_u64le(value);
    size_t   expected_size = value_encode(tag, expected);
    if (expected_size != size || memcmp(expected, value, size) != 0) return 0;
    return tag;
}

/* ---------------------------------------------------------------- the gate VFS ---- */

/* GateVfs: forwards to an inner VFS; gate_close blocks every later call forever (the power
 * is off: nothing reaches the disk after the cut). */
typedef struct GateVfs {
    Vfs              base;
    Vfs             *inner;
    pthread_rwlock_t lock;
} GateVfs;

typedef struct GateFile {
    File  base;
    File *inner;
} GateFile;

static GateVfs *gate_of(File *file) { return (GateVfs *)file->vfs; }
static File    *inner_of(File *file) { return ((GateFile *)file)->inner; }

#define GATED(gate, call)                         \
    do {                                          \
        pthread_rwlock_rdlock(&(gate)->lock);     \
        Error *gated_err_ = (call);               \
        pthread_rwlock_unlock(&(gate)->lock);     \
        return gated_err_;                        \
    } while (0)

static Error *gate_read(File *file, uint64_t offset, void *buffer, size_t size)
{
    GATED(gate_of(file), file_read(inner_of(file), offset, buffer, size));
}
static Error *gate_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    GATED(gate_of(file), file_write(inner_of(file), offset, buffer, size));
}
static Error *gate_sync(File *file) { GATED(gate_of(file), file_sync(inner_of(file))); }
static Error *gate_size(File *file, uint64_t *size_out)
{
    GATED(gate_of(file), file_size(inner_of(file), size_out));
}
static Error *gate_truncate(File *file, uint64_t size)
{
    GATED(gate_of(file), file_truncate(inner_of(file), size));
}
static Error *gate_lock(File *file) { GATED(gate_of(file), file_lock(inner_of(file))); }
static void   gate_file_close(File *file)
{
    file_close(inner_of(file));
    free(file);
}

static const FileOps GATE_FILE_OPS = {
    .read = gate_read, .write = gate_write, .sync = gate_sync, .size = gate_size,
    .truncate = gate_truncate, .lock = gate_lock, .close = gate_file_close,
};

static Error *gate_open(Vfs *vfs, const char *path, int flags, File **file_out)
{
    GateVfs  *gate = (GateVfs *)vfs;
    GateFile *file = calloc(1, sizeof *file);
    if (file == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    pthread_rwlock_rdlock(&gate->lock);
    Error *err = file_open(gate->inner, path, flags, &file->inner);
    pthread_rwlock_unlock(&gate->lock);
    if (err != NULL) {
        free(file);
        return err;
    }
    file->base = (File){.ops = &GATE_FILE_OPS, .vfs = vfs, .path = file->inner->path};
    *file_out = &file->base;
    return NULL;
}
static Error *gate_remove(Vfs *vfs, const char *path)
{
    GATED((GateVfs *)vfs, file_remove(((GateVfs *)vfs)->inner, path));
}
static Error *gate_exists(Vfs *vfs, const char *path, bool *exists_out)
{
    GATED((GateVfs *)vfs, file_exists(((GateVfs *)vfs)->inner, path, exists_out));
}
static Error *gate_sync_dir(Vfs *vfs, const char *path)
{
    GATED((GateVfs *)vfs, file_sync_dir(((GateVfs *)vfs)->inner, path));
}

static const VfsOps GATE_VFS_OPS = {
    .open = gate_open, .remove = gate_remove, .exists = gate_exists, .sync_dir = gate_sync_dir,
};

/* ---------------------------------------------------------------- the child ---- */

typedef struct ChildConfig {
    uint64_t    seed;
    int         iteration_idx;
    bool        power;
    const char *path;            /* the database path (real or in the fault VFS) */
    const char *db_image;        /* power: image files */
    const char *wal_image;
    int         watchdog_ms;
    const char *failpoint;       /* NULL: none */
    int         failpoint_skip;
    int         report_fd;
} ChildConfig;

typedef struct ChildThread {
    const ChildConfig *config;
    RecovDb           *db;
    BTree             *tree;
    int                thread_idx;
    pthread_t          thread;
} ChildThread;

typedef struct Report {
    uint32_t thread_idx;
    uint32_t done_count;
} Report;

static RecovOptions crash_options(Vfs *vfs, bool checkpointer)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = CRASH_POOL_FRAMES * PAGE_SIZE,
                  .start_cleaner = true},
        .wal = {.capacity = CRASH_WAL_CAPACITY},
        .ckpt = {.start_thread = checkpointer, .interval_ms = 15, .wal_fraction = 0.4},
    };
    return options;
}

/* recovery_frames: the pool of the parent's recoveries of iteration iteration_idx. */
static size_t recovery_frames(int iteration_idx)
{
    const char *text = getenv("BIRCH_CRASH_RECOV_FRAMES");
    if (text != NULL && atoi(text) >= BP_FRAME_COUNT_MIN) return (size_t)atoi(text);
    return (iteration_idx / 4) % 2 == 1 ? CRASH_RECOV_TINY_FRAMES : CRASH_POOL_FRAMES;
}

static void child_die(const char *what, Error *err)
{
    fprintf(stderr, "crash child: %s: %s (%s)\n", what, err != NULL ? err->message : "",
            err != NULL ? sqlstate_code(err->state) : "");
    _exit(3);
}

/* op_run: one operation, retried while the pool is momentarily full. */
static void op_run(ChildThread *worker, const Op *op)
{
    uint8_t key[8], value[CRASH_VALUE_SIZE_MAX];
    key_encode(worker->thread_idx, op->key_idx, key);
    for (int attempt_idx = 0;; attempt_idx++) {
        Error *err = wal_check_space(recov_wal(worker->db), 0);
        if (err == NULL) {
            if (op->is_delete) {
                bool found = false;
                err = bt_delete(worker->tree, key, 8, &found);
            } else {
                size_t size = value_encode(op->tag, value);
                err = bt_insert(worker->tree, key, 8, value, size);
                if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
                    err_free(err);
                    bool found = false;
                    err = bt_update(worker->tree, key, 8, value, size, &found);
                }
            }
        }
        if (err == NULL) return;
        if (err->state != SQLSTATE_OUT_OF_MEMORY || attempt_idx > 1000) child_die("op", err);
        err_free(err);
        usleep(200);
    }
}

static void *child_thread_main(void *arg)
{
    ChildThread *worker = arg;
    Op          *ops = malloc(CRASH_OP_COUNT_MAX * sizeof *ops);
    if (ops == NULL) child_die("out of memory", NULL);
    ops_generate(worker->config->seed, worker->config->iteration_idx, worker->thread_idx, ops);
    uint64_t   state = hash_u64(worker->config->seed + (uint64_t)worker->thread_idx * 977);
    uint64_t   last_lsn = 0;
    WalMtrInfo info = {.xid = 0, .last_lsn_io = &last_lsn};
    wal_thread_bind(&info);
    int op_idx = 0;
    while (op_idx < CRASH_OP_COUNT_MAX) {
        int batch = 1 + (int)(rng_next(&state) % CRASH_BATCH_MAX);
        for (int batch_idx = 0; batch_idx < batch && op_idx < CRASH_OP_COUNT_MAX; batch_idx++) {
            op_run(worker, &ops[op_idx++]);
        }
        /* the batch's "commit": durable, then reported */
        Error *err = wal_flush(recov_wal(worker->db), last_lsn);
        if (err != NULL) child_die("flush", err);
        Report report = {.thread_idx = (uint32_t)worker->thread_idx, .done_count = (uint32_t)op_idx};
        if (write(worker->config->report_fd, &report, sizeof report) != (ssize_t)sizeof report) {
            child_die("report pipe", NULL);
        }
    }
    wal_thread_bind(NULL);
    free(ops);
    return NULL;
}

typedef struct Watchdog {
    const ChildConfig *config;
    GateVfs           *gate;
    Vfs               *fault;
} Watchdog;

static void *watchdog_main(void *arg)
{
    Watchdog *watchdog = arg;
    usleep((useconds_t)watchdog->config->watchdog_ms * 1000);
    pthread_rwlock_wrlock(&watchdog->gate->lock);   /* never released: the power is off */
    vfs_fault_power_cut(watchdog->fault);
    Error *err = vfs_fault_save(watchdog->fault, POWER_DB, watchdog->config->db_image);
    if (err != NULL) child_die("save db image", err);
    bool exists = false;
    err = file_exists(watchdog->fault, POWER_WAL, &exists);
    if (err == NULL && exists) err = vfs_fault_save(watchdog->fault, POWER_WAL,
                                                    watchdog->config->wal_image);
    if (err == NULL && !exists) unlink(watchdog->config->wal_image);
    if (err != NULL) child_die("save wal image", err);
    _exit(0);
}

static Vfs *power_vfs_load(const ChildConfig *config, Vfs **fault_out)
{
    Vfs *fault = vfs_fault_create(config->seed ^ 0x5eed);
    Error *err = vfs_fault_load(fault, POWER_DB, config->db_image);
    if (err != NULL) child_die("load db image", err);
    if (access(config->wal_image, F_OK) == 0) {
        err = vfs_fault_load(fault, POWER_WAL, config->wal_image);
        if (err != NULL) child_die("load wal image", err);
    }
    *fault_out = fault;
    return fault;
}

static void child_main(const ChildConfig *config)
{
    Vfs     *vfs = NULL;
    Vfs     *fault = NULL;
    GateVfs *gate = NULL;
    if (config->power) {
        power_vfs_load(config, &fault);
        gate = calloc(1, sizeof *gate);
        gate->base.ops = &GATE_VFS_OPS;
        gate->inner = fault;
        pthread_rwlock_init(&gate->lock, NULL);
        vfs = &gate->base;
    }
    RecovOptions options = crash_options(vfs, true);
    RecovDb     *db = NULL;
    Error       *err = recov_open(config->path, &options, &db, NULL);
    if (err != NULL) child_die("open", err);
    Store *store = recov_store(db);
    BTree *tree = NULL;
    err = bt_open(store, store_root_get(store, CRASH_ROOT_SLOT), &tree);
    if (err != NULL) child_die("bt_open", err);
    if (config->failpoint != NULL) {
        fp_set(config->failpoint, FP_ACTION_CRASH, config->failpoint_skip, 1);
    }
    Watchdog watchdog = {.config = config, .gate = gate, .fault = fault};
    pthread_t watchdog_thread;
    if (config->power) pthread_create(&watchdog_thread, NULL, watchdog_main, &watchdog);
    ChildThread workers[CRASH_THREAD_COUNT];
    for (int thread_idx = 0; thread_idx < CRASH_THREAD_COUNT; thread_idx++) {
        workers[thread_idx] = (ChildThread){.config = config, .db = db, .tree = tree,
                                            .thread_idx = thread_idx};
        pthread_create(&workers[thread_idx].thread, NULL, child_thread_main, &workers[thread_idx]);
    }
    for (int thread_idx = 0; thread_idx < CRASH_THREAD_COUNT; thread_idx++) {
        pthread_join(workers[thread_idx].thread, NULL);
    }
    /* all done before the end came: wait for it */
    for (;;) pause();
}

/* ---------------------------------------------------------------- the parent ---- */

typedef struct Harness {
    uint64_t seed;
    char     dir[64];
    char     kill_path[128];
    char     db_image[128];
    char     wal_image[128];
    uint64_t kill_model[CRASH_THREAD_COUNT][CRASH_KEY_COUNT];
    uint64_t power_model[CRASH_THREAD_COUNT][CRASH_KEY_COUNT];
    uint64_t actual[CRASH_THREAD_COUNT][CRASH_KEY_COUNT];
    Op       ops[CRASH_OP_COUNT_MAX];
    uint64_t reported_total;
    uint64_t recovered_records;
    int      failpoint_iterations;
    int      recovery_crash_iterations;
    int      tiny_pool_recoveries;      /* parent recoveries on CRASH_RECOV_TINY_FRAMES */
    int      power_recovery_crashes;    /* of those, preceded by a failed one and a power cut */
    uint64_t tiny_pool_evictions;       /* evictions during those (redo, undo) */
} Harness;

static void make_initial(const char *path, Vfs *vfs)
{
    RecovOptions options = crash_options(vfs, false);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(path, &options, &db, NULL));
    PageId root = PAGE_ID_NONE;
    ck_assert_ok(bt_create(recov_store(db), &root));
    Mtr mtr;
    mtr_begin(&mtr, recov_store(db));
    store_root_set(&mtr, CRASH_ROOT_SLOT, root);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_ok(recov_close(db));
}

static void harness_init(Harness *harness)
{
    harness->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    const char *seed_text = getenv("BIRCH_CRASH_SEED");
    if (seed_text != NULL) harness->seed = strtoull(seed_text, NULL, 10);
    snprintf(harness->dir, sizeof harness->dir, "/tmp/birch_crash_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(harness->dir));
    snprintf(harness->kill_path, sizeof harness->kill_path, "%s/kill.birch", harness->dir);
    snprintf(harness->db_image, sizeof harness->db_image, "%s/power.img", harness->dir);
    snprintf(harness->wal_image, sizeof harness->wal_image, "%s/power-wal.img", harness->dir);
    make_initial(harness->kill_path, NULL);
    Vfs *fault = vfs_fault_create(1);
    make_initial(POWER_DB, fault);
    ck_assert_ok(vfs_fault_save(fault, POWER_DB, harness->db_image));
    unlink(harness->wal_image);
    vfs_fault_destroy(fault);
}

static void harness_cleanup(Harness *harness)
{
    char path[192];
    const char *names[] = {"kill.birch", "kill.birch-wal", "power.img", "power-wal.img"};
    for (size_t name_idx = 0; name_idx < sizeof names / sizeof names[0]; name_idx++) {
        snprintf(path, sizeof path, "%s/%s", harness->dir, names[name_idx]);
        unlink(path);
    }
    rmdir(harness->dir);
}

/* read_reports: until the child's pipe closes; the highest count per thread. */
static void read_reports(int fd, uint32_t *reported)
{
    Report report;
    for (;;) {
        ssize_t got = read(fd, &report, sizeof report);
        if (got == 0) break;
        if (got < 0 && errno == EINTR) continue;
        ck_assert_int_eq((int)got, (int)sizeof report);
        ck_assert_uint_lt(report.thread_idx, CRASH_THREAD_COUNT);
        if (report.done_count > reported[report.thread_idx]) {
            reported[report.thread_idx] = report.done_count;
        }
    }
}

/* run_child: fork, let it run, end it; returns its wait status. */
static int run_child(ChildConfig *config, int kill_after_ms, uint32_t *reported)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        config->report_fd = fds[1];
        child_main(config);
        _exit(0);
    }
    close(fds[1]);
    if (kill_after_ms > 0) {
        /* read while waiting, so the child never blocks on a full pipe before its end */
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
            if (elapsed >= kill_after_ms) break;
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                read_reports(fds[0], reported);
                close(fds[0]);
                return status;
            }
            usleep(1000);
        }
        kill(pid, SIGKILL);
    }
    int status = 0;
    /* a power-cut child exits by itself; drain the pipe meanwhile */
    read_reports(fds[0], reported);
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* crash_recovery_once: a child that starts recovery and dies inside it (real file only). */
static void crash_recovery_once(Harness *harness, int iteration_idx, uint64_t *rng)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        fp_set("recov.redo.record", FP_ACTION_CRASH, (int)(rng_next(rng) % 300), 1);
        RecovOptions options = crash_options(NULL, false);
        options.store.pool_size = recovery_frames(iteration_idx) * PAGE_SIZE;
        RecovDb     *db = NULL;
        Error       *err = recov_open(harness->kill_path, &options, &db, NULL);
        /* the log was short: recovery ended before the failpoint; crash now anyway */
        (void)err;
        _exit(FP_CRASH_EXIT_CODE);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == FP_CRASH_EXIT_CODE);
    harness->recovery_crash_iterations++;
}

/* verify_thread: some prefix p >= reported of the thread's ops turns model into actual. */
static void verify_thread(Harness *harness, int iteration_idx, int thread_idx,
                          uint64_t *model, uint32_t reported)
{
    ops_generate(harness->seed, iteration_idx, thread_idx, harness->ops);
    const uint64_t *actual = harness->actual[thread_idx];
    int mismatch_count = 0;
    for (int key_idx = 0; key_idx < CRASH_KEY_COUNT; key_idx++) {
        mismatch_count += model[key_idx] != actual[key_idx];
    }
    int  prefix_found = mismatch_count == 0 ? 0 : -1;
    for (int op_idx = 0; op_idx < CRASH_OP_COUNT_MAX; op_idx++) {
        const Op *op = &harness->ops[op_idx];
        uint64_t  before = model[op->key_idx];
        uint64_t  after = op->is_delete ? 0 : op->tag;
        mismatch_count -= before != actual[op->key_idx];
        mismatch_count += after != actual[op->key_idx];
        model[op->key_idx] = after;
        if (mismatch_count == 0) prefix_found = op_idx + 1;
    }
    ck_assert_msg(prefix_found >= 0,
                  "iteration %d thread %d: the tree is no prefix of the operations (seed %llu)",
                  iteration_idx, thread_idx, (unsigned long long)harness->seed);
    ck_assert_msg((uint32_t)prefix_found >= reported,
                  "iteration %d thread %d: %u operations reported durable, only %d survived "
                  "(seed %llu)", iteration_idx, thread_idx, reported, prefix_found,
                  (unsigned long long)harness->seed);
}

static void collect_actual(Harness *harness, Store *store)
{
    PageId root = store_root_get(store, CRASH_ROOT_SLOT);
    ck_assert_ok(bt_check_store(store, &root, 1));
    memset(harness->actual, 0, sizeof harness->actual);
    BTree    *tree = NULL;
    BtCursor *cursor = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    ck_assert_ok(bt_cursor_open(tree, &cursor));
    ck_assert_ok(bt_cursor_first(cursor));
    BtBuf value = {0};
    while (bt_cursor_valid(cursor)) {
        size_t         key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        ck_assert_uint_eq(key_size, 8);
        uint64_t id = dec_u64be(key);
        uint32_t thread_idx = (uint32_t)(id >> 32);
        uint32_t key_idx = (uint32_t)id;
        ck_assert(thread_idx < CRASH_THREAD_COUNT && key_idx < CRASH_KEY_COUNT);
        ck_assert_ok(bt_cursor_value(cursor, &value));
        uint64_t tag = value_tag(value.data, value.size);
        ck_assert_msg(tag != 0, "a value that was never written (torn?)");
        harness->actual[thread_idx][key_idx] = tag;
        ck_assert_ok(bt_cursor_next(cursor));
    }
    bt_buf_free(&value);
    bt_cursor_close(cursor);
    bt_close(tree);
}

static void verify(Harness *harness, int iteration_idx, bool power, const uint32_t *reported,
                   uint64_t *rng)
{
    Vfs *fault = NULL;
    if (power) {
        fault = vfs_fault_create(rng_next(rng));
        ck_assert_ok(vfs_fault_load(fault, POWER_DB, harness->db_image));
        if (access(harness->wal_image, F_OK) == 0) {
            ck_assert_ok(vfs_fault_load(fault, POWER_WAL, harness->wal_image));
        }
    }
    RecovOptions options = crash_options(fault, false);
    size_t       frames = recovery_frames(iteration_idx);
    options.store.pool_size = frames * PAGE_SIZE;
    RecovDb     *db = NULL;
    RecovReport  report;
    if (power && frames == CRASH_RECOV_TINY_FRAMES && iteration_idx % 4 == 1) {
        /* a recovery on the tiny pool that fails half way (after evictions wrote pages), then
         * a power cut drops or tears its unsynced writes */
        fp_set("recov.redo.record", FP_ACTION_ERROR, (int)(rng_next(rng) % 200), 1);
        Error *err = recov_open(POWER_DB, &options, &db, &report);
        fp_clear_all();
        if (err == NULL) {
            recov_abandon(db);   /* the log was short: recovery finished first */
        } else {
            ck_assert_msg(strstr(err->message, "injected") != NULL, "%s", err->message);
            err_free(err);
        }
        db = NULL;
        vfs_fault_power_cut(fault);
        harness->power_recovery_crashes++;
    }
    ck_assert_ok(recov_open(power ? POWER_DB : harness->kill_path, &options, &db, &report));
    harness->recovered_records += report.records_scanned;
    if (frames == CRASH_RECOV_TINY_FRAMES) {
        harness->tiny_pool_recoveries++;
        harness->tiny_pool_evictions += bp_stats(store_pool(recov_store(db))).eviction_count;
    }
    collect_actual(harness, recov_store(db));
    uint64_t(*model)[CRASH_KEY_COUNT] = power ? harness->power_model : harness->kill_model;
    for (int thread_idx = 0; thread_idx < CRASH_THREAD_COUNT; thread_idx++) {
        verify_thread(harness, iteration_idx, thread_idx, model[thread_idx], reported[thread_idx]);
        memcpy(model[thread_idx], harness->actual[thread_idx], sizeof model[thread_idx]);
        harness->reported_total += reported[thread_idx];
    }
    /* half the time a clean close, else leave it flagged (the next child recovers again) */
    if (rng_next(rng) % 2 == 0) {
        ck_assert_ok(recov_close(db));
    } else {
        recov_abandon(db);
    }
    if (power) {
        ck_assert_ok(vfs_fault_save(fault, POWER_DB, harness->db_image));
        bool exists = false;
        ck_assert_ok(file_exists(fault, POWER_WAL, &exists));
        if (exists) {
            ck_assert_ok(vfs_fault_save(fault, POWER_WAL, harness->wal_image));
        } else {
            unlink(harness->wal_image);
        }
        vfs_fault_destroy(fault);
    }
}

static int iteration_count(void)
{
    const char *text = getenv("BIRCH_CRASH_ITERATIONS");
    if (text != NULL && atoi(text) > 0) return atoi(text);
    const char *scale_text = getenv("BIRCH_TEST_SCALE");
    double      scale = scale_text != NULL ? atof(scale_text) : 1.0;
    if (scale <= 0) scale = 1.0;
    int count = (int)(200 * scale);
    return count < 20 ? 20 : count;
}

START_TEST(test_crash_harness)
{
    static Harness harness;   /* large: off the stack */
    memset(&harness, 0, sizeof harness);
    harness_init(&harness);
    uint64_t rng = harness.seed;
    int      count = iteration_count();
    int      status_counts[3] = {0};   /* killed, crashed at a failpoint, power cut */
    for (int iteration_idx = 0; iteration_idx < count; iteration_idx++) {
        bool        power = iteration_idx % 2 == 1;
        ChildConfig config = {
            .seed = harness.seed,
            .iteration_idx = iteration_idx,
            .power = power,
            .path = power ? POWER_DB : harness.kill_path,
            .db_image = harness.db_image,
            .wal_image = harness.wal_image,
            .watchdog_ms = 5 + (int)(rng_next(&rng) % 60),
        };
        if (!power && iteration_idx % 6 == 2) {
            config.failpoint = FAILPOINTS[rng_next(&rng) % (sizeof FAILPOINTS / sizeof FAILPOINTS[0])];
            config.failpoint_skip = (int)(rng_next(&rng) % 4);
            harness.failpoint_iterations++;
        }
        if (getenv("BIRCH_CRASH_VERBOSE") != NULL) {
            fprintf(stderr, "iteration %d (seed %llu): %s%s%s\n", iteration_idx,
                    (unsigned long long)harness.seed, power ? "power cut" : "kill",
                    config.failpoint != NULL ? ", failpoint " : "",
                    config.failpoint != NULL ? config.failpoint : "");
        }
        uint32_t reported[CRASH_THREAD_COUNT] = {0};
        int      kill_after_ms = power ? 0 : 5 + (int)(rng_next(&rng) % 80);
        if (config.failpoint != NULL) kill_after_ms = 700;   /* time to reach the failpoint */
        int      status = run_child(&config, kill_after_ms, reported);
        if (WIFSIGNALED(status)) {
            ck_assert_int_eq(WTERMSIG(status), SIGKILL);
            status_counts[0]++;
        } else {
            ck_assert_msg(WIFEXITED(status), "child ended oddly: %d", status);
            int code = WEXITSTATUS(status);
            ck_assert_msg(code == 0 || code == FP_CRASH_EXIT_CODE,
                          "child failed with exit code %d (seed %llu, iteration %d)", code,
                          (unsigned long long)harness.seed, iteration_idx);
            status_counts[code == 0 ? 2 : 1]++;
        }
        if (!power && iteration_idx % 4 == 0) {
            crash_recovery_once(&harness, iteration_idx, &rng);
        }
        verify(&harness, iteration_idx, power, reported, &rng);
    }
    fprintf(stderr,
            "crash harness: %d iterations (seed %llu): %d SIGKILL, %d failpoint crashes, %d power "
            "cuts, %d crashed recoveries; %llu operations reported durable, %llu log records "
            "recovered; %d recoveries on %d frames (%llu evictions, %d after a failed one and "
            "a power cut)\n",
            count, (unsigned long long)harness.seed, status_counts[0], status_counts[1],
            status_counts[2], harness.recovery_crash_iterations,
            (unsigned long long)harness.reported_total,
            (unsigned long long)harness.recovered_records, harness.tiny_pool_recoveries,
            (int)CRASH_RECOV_TINY_FRAMES, (unsigned long long)harness.tiny_pool_evictions,
            harness.power_recovery_crashes);
    ck_assert_uint_gt(harness.reported_total, 0);
    harness_cleanup(&harness);
}
END_TEST

static Suite *crash_suite(void)
{
    Suite *suite = suite_create("crash");
    TCase *tcase = tcase_create("crash");
    tcase_set_timeout(tcase, 3600);
    tcase_add_test(tcase, test_crash_harness);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(crash_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
